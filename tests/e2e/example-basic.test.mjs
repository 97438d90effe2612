// The minimal example (examples/basic, served by its own examples/basic/server.mjs) works:
// its banner's buttons drive consent, batches land in the recordings directory, and
// `reticent decode` reads them back, masked.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { runReticent } from './lib/decode.mjs';
import { REPO_ROOT, distFile } from './lib/paths.mjs';

// Content of examples/basic/index.html (and what the test types) that must stay in the page.
const PAGE_SECRETS = ['Camille', 'Durand', 'rue des Lilas', 'Left Hand of Darkness', 'camille.durand@example.com', '10482', 'section=orders'];
const TYPED = 'TypedCanaryName';

/** Waits until the page's recorder is initialised (the status line says so). */
async function waitReady(page) {
  await page.locator('#replay-status', { hasText: /waiting for your choice|could not start/ }).waitFor({ timeout: 30_000 });
  const status = await page.locator('#replay-status').innerText();
  assert.match(status, /waiting for your choice/, 'the example page could not start the recorder');
}

/** Starts examples/basic/server.mjs on an ephemeral port; resolves once it prints its URL. */
async function startDemoServer(recordingsDir) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'examples', 'basic', 'server.mjs')], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', RECORDINGS_DIR: recordingsDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (c) => (output += c));
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo server did not start within 20 s:\n${output}`)), 20_000);
    child.stdout.on('data', (c) => {
      output += c;
      const m = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo server exited (${code}) before listening:\n${output}`));
    });
  });
  return { child, origin, output: () => output };
}

async function batchFiles(dir) {
  return (await readdir(dir)).filter((f) => f.endsWith('.batch')).sort().map((f) => join(dir, f));
}

describe('examples/basic: the demo site', () => {
  let recordings;
  let demo;
  let browser;

  before(async () => {
    distFile('reticent.js');
    recordings = await mkdtemp(join(tmpdir(), 'reticent-demo-recordings-'));
    demo = await startDemoServer(recordings);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    demo?.child.kill('SIGTERM');
    if (recordings) await rm(recordings, { recursive: true, force: true });
  });

  it('Refuse: nothing is recorded or sent', async () => {
    const tab = await openPage(browser);
    await tab.page.goto(`${demo.origin}/`);
    await waitReady(tab.page);
    await tab.page.locator('input[name=name]').pressSequentially(TYPED);
    await tab.page.getByRole('button', { name: 'Refuse' }).click();
    await tab.page.locator('input[name=name]').pressSequentially(TYPED);
    await sleep(1_500);
    assert.deepEqual(await batchFiles(recordings), [], 'batches were stored after Refuse');
    assert.deepEqual(await tab.allErrors(), []);
    assert.match(await tab.page.locator('#replay-status').innerText(), /refused/);
    await tab.context.close();
  });

  it('Allow: batches are stored in the recordings directory and decode to masked rrweb JSON', async () => {
    const tab = await openPage(browser);
    await tab.page.goto(`${demo.origin}/?section=orders`);
    await waitReady(tab.page);
    await tab.page.getByRole('button', { name: 'Allow session replay' }).click();
    await tab.page.locator('input[name=name]').pressSequentially(TYPED);
    await tab.page.locator('input[name=password]').pressSequentially(TYPED);

    // "Send recorded data now" until a full snapshot is on disk (the first one may be sliced).
    const deadline = Date.now() + 30_000;
    let events = [];
    for (;;) {
      await tab.page.getByRole('button', { name: 'Send recorded data now' }).click();
      await sleep(500);
      const files = await batchFiles(recordings);
      if (files.length > 0) {
        const r = await runReticent(['decode', ...files]);
        assert.equal(r.code, 0, `reticent decode ${files.join(' ')} failed: ${r.stderr}`);
        events = JSON.parse(r.stdout.toString('utf8'));
        if (events.some((e) => e.type === 2)) break;
      }
      if (Date.now() > deadline) {
        throw new Error(`no full snapshot stored within 30 s; files: ${JSON.stringify(files)}; server said:\n${demo.output()}`);
      }
    }

    const meta = events.find((e) => e.type === 4);
    assert.ok(meta, 'no Meta event');
    assert.ok(!String(meta.data?.href).includes('?'), `Meta href keeps the query: ${meta.data?.href}`);
    const json = JSON.stringify(events);
    const leaks = [...PAGE_SECRETS, TYPED].filter((s) => json.includes(s));
    assert.deepEqual(leaks, [], 'page content in the decoded recording');
    assert.match(demo.output(), /ingest: batch \d+/);
    assert.deepEqual(await tab.allErrors(), []);
    await tab.context.close();
  });
});
