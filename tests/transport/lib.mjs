// Helpers of the transport tests: the test bundle, a scriptable collector on 127.0.0.1,
// and decoding of what it accepted.
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeMsgpack } from '../e2e/lib/msgpack.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const JS_DIR = join(REPO_ROOT, 'js');
const jsRequire = createRequire(join(JS_DIR, 'package.json'));

/** Builds fixtures/entry.mjs into one IIFE script (needs `cd js && npm run build` first: pkg/, dist/ and the generated worker script). */
export async function buildTestBundle() {
  for (const f of ['pkg/reticent.js', 'dist/reticent_bg.wasm', 'src/generated/worker-inline.ts']) {
    if (!existsSync(join(JS_DIR, f))) throw new Error(`js/${f} not found: run \`cd js && npm ci && npm run build\` first`);
  }
  const { build } = jsRequire('esbuild');
  const out = await build({
    entryPoints: [join(here, 'fixtures', 'entry.mjs')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'warning',
    tsconfig: join(JS_DIR, 'tsconfig.json'),
  });
  return out.outputFiles[0].text;
}

/** The optimised module the package ships. */
export function wasmBytes() {
  return readFileSync(join(JS_DIR, 'dist', 'reticent_bg.wasm'));
}

/** Decodes a batch body into its header fields (and the event types, and the data of its Custom events). */
export function decodeBatch(body) {
  const value = decodeMsgpack(gunzipSync(body));
  const { version, sessionId, pageViewId, sequence, dropped, events } = value;
  const customs = events.filter((e) => e.type === 5).map((e) => e.data);
  return { version, sessionId, pageViewId, sequence, dropped, types: events.map((e) => e.type), customs, bytes: body.length };
}

/**
 * A page + collector server (`pageHeaders[path]` adds response headers to a page, e.g. a CSP). `behaviour` decides how /ingest answers a POST:
 * 'ok' (204, batch stored), '500', '429' (Retry-After: 1), '413', 'hang' (never answers,
 * nothing stored). `down()` closes the port (connection refused), `up()` listens again
 * on the same port.
 */
export async function startCollector({ pages = {}, files = {}, pageHeaders = {} } = {}) {
  let behaviour = 'ok';
  /** Every POST body the collector answered 2xx to, decoded. */
  const accepted = [];
  /** Every POST, with what was answered. */
  const posts = [];
  const hung = new Set();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks = [];
    try {
      for await (const c of req) chunks.push(c);
    } catch {
      return;
    }
    const body = Buffer.concat(chunks);
    if (url.pathname === '/ingest') {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': req.headers.origin ?? '*',
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        });
        res.end();
        return;
      }
      const mode = behaviour;
      let seq;
      try {
        seq = decodeBatch(body).sequence;
      } catch {
        seq = 'undecodable';
      }
      posts.push({ mode, seq, at: Date.now(), bytes: body.length, contentType: req.headers['content-type'] });
      const cors = { 'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-expose-headers': 'Retry-After' };
      switch (mode) {
        case 'ok': {
          let decoded;
          try {
            decoded = decodeBatch(body);
          } catch (err) {
            res.writeHead(400, cors).end(String(err));
            return;
          }
          accepted.push({ ...decoded, contentType: req.headers['content-type'] });
          res.writeHead(204, cors).end();
          return;
        }
        case '500':
          res.writeHead(500, cors).end('down');
          return;
        case '429':
          res.writeHead(429, { ...cors, 'retry-after': '1' }).end();
          return;
        case '413':
          res.writeHead(413, cors).end();
          return;
        case 'hang':
          hung.add(res);
          return;
      }
    }
    if (pages[url.pathname] !== undefined) {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...(pageHeaders[url.pathname] ?? {}) })
        .end(pages[url.pathname]);
      return;
    }
    const file = files[url.pathname];
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
      return;
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });

  const listen = (port) =>
    new Promise((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolveListen(undefined);
      });
    });
  await listen(0);
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;

  function endHung() {
    for (const res of hung) res.destroy();
    hung.clear();
  }

  return {
    origin,
    accepted,
    posts,
    /**
     * Hung requests stay open until close(): ending them would let Chromium silently resend
     * an aborted keepalive POST on a fresh connection, which a collector would then store
     * (harmless for an idempotent collector, but not what this server measures).
     */
    setBehaviour(b) {
      behaviour = b;
    },
    /** Connection refused from now on. */
    async down() {
      await new Promise((r) => {
        server.close(() => r(undefined));
        server.closeAllConnections();
      });
    },
    async up() {
      await listen(port);
    },
    async waitFor(predicate, { timeoutMs = 60_000, what = 'condition' } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (predicate()) return;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(100);
      }
    },
    async close() {
      endHung();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

/** The test page: loads the test bundle; `window.start(options)` inits and grants. */
export function testPage(bodyHtml = '<main><h1>Transport test</h1><p>Some text.</p></main>') {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>transport</title></head>
<body>${bodyHtml}
<script src="/test-entry.js"></script>
<script>
  /** Inits, grants, waits for the first snapshot (a large page's is taken in slices), flushes it. */
  window.start = async (options) => {
    window.recorder = await TestReticent.init({ endpoint: '/ingest', consent: 'manual', wasmUrl: '/reticent_bg.wasm', ...options });
    window.recorder.grantConsent();
    const deadline = Date.now() + 20000;
    while (__probe.produced === 0 && __probe.wasm.pendingEvents() === 0) {
      if (Date.now() > deadline) throw new Error('no snapshot within 20 s of consent');
      await new Promise((r) => setTimeout(r, 20));
    }
    await window.recorder.flush();
  };
  /** Waits until a snapshot walked in slices (\`what\`) is complete and buffered, at most 20 s. */
  window.snapshotted = async (what) => {
    const deadline = Date.now() + 20000;
    while (__probe.wasm.snapshotPending) {
      if (Date.now() > deadline) throw new Error(what + ' was not complete within 20 s');
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  /**
   * Produces one batch now (a checkpoint makes the core buffer a snapshot) and flushes it.
   * A checkpoint of a large page is walked in slices (always so on a loaded machine): wait
   * until it is buffered, or the flush would find nothing to send.
   */
  window.produce = async () => {
    __probe.wasm.checkpoint();
    await window.snapshotted('the checkpoint');
    return window.recorder.flush();
  };
</script>
</body></html>`;
}

/** Files the collector serves for the test page. */
export async function testFiles() {
  return {
    '/test-entry.js': { type: 'text/javascript; charset=utf-8', body: await buildTestBundle() },
    '/reticent_bg.wasm': { type: 'application/wasm', body: wasmBytes() },
  };
}
