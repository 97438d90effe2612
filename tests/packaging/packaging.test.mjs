// Test what users install: `npm pack` the built package (cd js && npm run build first),
// install the tarball into fresh projects under the OS temp dir, and check in headless
// Chromium that each way of loading it sends a real batch to a local collector:
//   (a) a bundler project (esbuild) importing `reticent`,
//   (b) a plain HTML page with the script tag, configured by data-* attributes,
//   (b2) the same without DecompressionStream (the inlined module's fallback inflater),
//   (c) the slim entry, loading `reticent/reticent.wasm` from a URL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, openPage } from '../e2e/lib/browser.mjs';
import { JS_DIR, startCollector } from '../transport/lib.mjs';

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

describe('the packed npm package', () => {
  let work;
  let project;
  let browser;
  before(async () => {
    if (!existsSync(join(JS_DIR, 'dist', 'reticent.mjs'))) throw new Error('js/dist missing: run `cd js && npm ci && npm run build` first');
    work = mkdtempSync(join(tmpdir(), 'reticent-pack-'));
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], JS_DIR));
    const tarball = join(work, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    for (const f of ['dist/reticent.mjs', 'dist/slim.mjs', 'dist/reticent.js', 'dist/reticent_bg.wasm', 'dist/index.d.ts', 'package.json']) {
      assert.ok(files.includes(f), `the tarball lacks ${f}`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'sources and tests are not published');
    project = join(work, 'project');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'reticent-pack-test', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', tarball], project);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Bundles `source` inside the temp project with esbuild (the package resolved from its node_modules). */
  async function bundle(source) {
    const { build } = createRequire(join(JS_DIR, 'package.json'))('esbuild');
    const entry = join(project, `entry-${Math.random().toString(36).slice(2)}.js`);
    writeFileSync(entry, source);
    const out = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, absWorkingDir: project, logLevel: 'error' });
    return out.outputFiles[0].text;
  }

  /**
   * @param expectedConsole - console errors the browser itself is expected to print (e.g. the
   *   CSP violation of a refused compression worker), each matching one pattern, in order.
   */
  async function expectBatch(pages, files, start, pageHeaders = {}, expectedConsole = []) {
    const collector = await startCollector({ pages, files, pageHeaders });
    try {
      const { page, allErrors, consoleErrors } = await openPage(browser);
      await page.goto(`${collector.origin}/`);
      await start(page);
      await collector.waitFor(() => collector.accepted.length > 0, { what: 'a batch at the collector', timeoutMs: 30_000 });
      const batch = collector.accepted[0];
      assert.equal(batch.version, 2, "wire format version (docs/wire-format.md)");
      assert.equal(batch.sequence, 0);
      assert.match(batch.sessionId, /^[A-Za-z0-9_-]{22}$/);
      assert.ok(batch.types.includes(2), 'a full snapshot');
      assert.equal(batch.contentType, 'application/vnd.reticent.batch+msgpack');
      assert.deepEqual(await allErrors(), []);
      assert.equal(consoleErrors.length, expectedConsole.length, consoleErrors.join('\n'));
      expectedConsole.forEach((pattern, i) => assert.match(consoleErrors[i], pattern));
      await page.context().close();
    } finally {
      await collector.close();
    }
  }

  it('(a) bundled with esbuild: import { init } from "reticent"', async () => {
    const js = await bundle(`
      import { init, version } from 'reticent';
      window.go = async () => {
        const recorder = await init({ endpoint: '/ingest', consent: 'manual' });
        recorder.grantConsent();
        return version;
      };`);
    await expectBatch(
      { '/': '<!doctype html><title>a</title><h1>Bundled</h1><script type="module" src="/app.js"></script>' },
      { '/app.js': { type: 'text/javascript', body: js } },
      async (page) => {
        await page.waitForFunction(() => typeof window.go === 'function');
        assert.equal(await page.evaluate(() => window.go()), '0.1.0');
      },
    );
  });

  it('(b) plain HTML, script tag configured by data-* attributes (starts by itself)', async () => {
    const iife = readFileSync(join(project, 'node_modules', 'reticent', 'dist', 'reticent.js'));
    await expectBatch(
      {
        '/': `<!doctype html><title>b</title><h1>Script tag</h1>
<script src="/reticent.js" data-endpoint="/ingest" data-consent="manual" data-flush-interval="1000" data-allow-query-params="page"></script>
<script>window.Reticent.recorder.then((r) => { window.rec = r; r.grantConsent(); });</script>`,
      },
      { '/reticent.js': { type: 'text/javascript', body: iife } },
      async (page) => {
        await page.waitForFunction(() => window.rec !== undefined);
      },
    );
  });

  it('(b2) script tag in a browser without DecompressionStream: the inlined module is inflated by the fallback', async () => {
    const iife = readFileSync(join(project, 'node_modules', 'reticent', 'dist', 'reticent.js'));
    await expectBatch(
      {
        '/': `<!doctype html><title>b2</title><h1>No DecompressionStream</h1>
<script>delete window.DecompressionStream; window.had = typeof DecompressionStream;</script>
<script src="/reticent.js" data-endpoint="/ingest" data-consent="manual" data-flush-interval="1000"></script>
<script>window.Reticent.recorder.then((r) => { window.rec = r; r.grantConsent(); });</script>`,
      },
      { '/reticent.js': { type: 'text/javascript', body: iife } },
      async (page) => {
        await page.waitForFunction(() => window.rec !== undefined);
        assert.equal(await page.evaluate(() => window.had), 'undefined');
      },
    );
  });

  it('(c) the slim entry, with the .wasm file from a URL', async () => {
    const js = await bundle(`
      import { init } from 'reticent/slim';
      window.go = async () => {
        const recorder = await init({ endpoint: '/ingest', consent: 'manual', wasmUrl: '/reticent.wasm' });
        recorder.grantConsent();
      };`);
    // The default entry inlines the module as one long base64 string (deflated, so it does not start with `AGFzbQ`).
    assert.ok(!/[A-Za-z0-9+/]{4096}/.test(js), 'the slim bundle does not inline the module');
    const wasmPath = createRequire(join(project, 'package.json')).resolve('reticent/reticent.wasm');
    await expectBatch(
      { '/': '<!doctype html><title>c</title><h1>Slim</h1><script type="module" src="/app.js"></script>' },
      {
        '/app.js': { type: 'text/javascript', body: js },
        '/reticent.wasm': { type: 'application/wasm', body: readFileSync(wasmPath) },
      },
      async (page) => {
        await page.waitForFunction(() => typeof window.go === 'function');
        await page.evaluate(() => window.go());
      },
    );
  });

  it('(d) script tag with window.ReticentConfig; a bad data-* option is reported once on console.error', async () => {
    const iife = readFileSync(join(project, 'node_modules', 'reticent', 'dist', 'reticent.js'));
    await expectBatch(
      {
        '/': `<!doctype html><title>d</title><h1>Config object</h1>
<script>window.ReticentConfig = { endpoint: '/ingest', consent: 'manual', sampleRate: 1 };</script>
<script src="/reticent.js"></script>
<script>window.Reticent.recorder.then((r) => { window.rec = r; r.grantConsent(); });</script>`,
      },
      { '/reticent.js': { type: 'text/javascript', body: iife } },
      (page) => page.waitForFunction(() => window.rec !== undefined),
    );

    const collector = await startCollector({
      pages: {
        '/': `<!doctype html><title>d2</title>
<script src="/reticent.js" data-endpoint="/ingest" data-consent="manual" data-sample-rate="50%"></script>
<script>window.Reticent.recorder.then((r) => { window.result = String(r); });</script>`,
        '/plain': `<!doctype html><title>d3</title><script src="/reticent.js"></script>`,
      },
      files: { '/reticent.js': { type: 'text/javascript', body: iife } },
    });
    try {
      const { page, allErrors, consoleErrors } = await openPage(browser);
      await page.goto(`${collector.origin}/`);
      await page.waitForFunction(() => window.result !== undefined);
      assert.equal(await page.evaluate(() => window.result), 'undefined', 'the promise resolves undefined, never rejects');
      assert.equal(consoleErrors.length, 1, consoleErrors.join('\n'));
      assert.match(consoleErrors[0], /sampleRate/);
      assert.deepEqual(await allErrors(), []);
      await page.goto(`${collector.origin}/plain`);
      assert.deepEqual(
        await page.evaluate(() => [typeof window.Reticent.init, 'recorder' in window.Reticent]),
        ['function', false],
        'without configuration it only defines Reticent.init',
      );
      assert.equal(collector.posts.length, 0);
      await page.context().close();
    } finally {
      await collector.close();
    }
  });

  // The CSP each entry needs (js/docs-drafts/csp.md), enforced by Chromium.
  const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";
  const CSP_NO_WASM = "default-src 'none'; script-src 'self'; connect-src 'self'";

  it('(e) under a strict CSP: default and slim entries work with script-src \'wasm-unsafe-eval\' and connect-src \'self\'', async () => {
    const start = (entry, extra) => `
      import { init } from '${entry}';
      init({ endpoint: '/ingest', consent: 'manual'${extra} }).then((r) => { r.grantConsent(); window.ok = true; }, (e) => { window.failed = e.code; });`;
    const wasm = readFileSync(createRequire(join(project, 'package.json')).resolve('reticent/reticent.wasm'));
    // The browser refuses the blob: compression worker and says so; the recorder compresses on
    // the main thread instead (the batch still arrives, compressed).
    const refused = /Creating a worker from 'blob:.*violates the following Content Security Policy directive/;
    const cases = [
      { csp: CSP, extra: '', console: [refused] },
      { csp: `${CSP}; worker-src blob:`, extra: '', console: [] },
      { csp: CSP, extra: ', compressInWorker: false', console: [] },
    ];
    for (const { csp, extra, console: expected } of cases) {
      for (const [entry, more] of [
        ['reticent', ''],
        ['reticent/slim', ", wasmUrl: '/reticent.wasm'"],
      ]) {
        const js = await bundle(start(entry, `${more}${extra}`));
        await expectBatch(
          { '/': '<!doctype html><title>e</title><h1>CSP</h1><script type="module" src="/app.js"></script>' },
          { '/app.js': { type: 'text/javascript', body: js }, '/reticent.wasm': { type: 'application/wasm', body: wasm } },
          (page) => page.waitForFunction(() => window.ok === true || window.failed !== undefined),
          { '/': { 'content-security-policy': csp } },
          expected,
        );
      }
    }
  });

  it("(f) without 'wasm-unsafe-eval', init() rejects with LOAD_FAILED and nothing is sent", async () => {
    const js = await bundle(`
      import { init } from 'reticent';
      init({ endpoint: '/ingest', consent: 'manual' }).then((r) => { r.grantConsent(); window.result = 'loaded'; }, (e) => { window.result = e.code; });`);
    const collector = await startCollector({
      pages: { '/': '<!doctype html><title>f</title><script type="module" src="/app.js"></script>' },
      files: { '/app.js': { type: 'text/javascript', body: js } },
      pageHeaders: { '/': { 'content-security-policy': CSP_NO_WASM } },
    });
    try {
      const { page } = await openPage(browser);
      await page.goto(`${collector.origin}/`);
      await page.waitForFunction(() => window.result !== undefined);
      assert.equal(await page.evaluate(() => window.result), 'LOAD_FAILED');
      assert.equal(collector.posts.length, 0);
      await page.context().close();
    } finally {
      await collector.close();
    }
  });
});
