// A static + ingest test server on 127.0.0.1 with an ephemeral port.
//
// - GET  <page path>   → the HTML registered with `setPage` (or passed in `pages`)
// - GET  /<file>       → js/dist/<file> (reticent.js, reticent.mjs, slim.mjs, reticent_bg.wasm…),
//                        also under /dist/<file>
// - GET  <prefix><rel>  → <dir>/<rel> for each `staticDirs` entry ({ '/vendor/': absDir }),
//                        no path traversal outside <dir>
// - any  /ingest       → recorded (method, url, headers, raw body bytes); POST answers 204,
//                        OPTIONS answers a permissive CORS preflight
// Every request (not only /ingest) is appended to `requests`, in arrival order.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIST_DIR } from './paths.mjs';

const MIME = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Largest ingest body the test server keeps (a recorder's batch is far smaller). */
const MAX_BODY = 16 << 20;

/**
 * Starts the server. Resolves to a handle:
 *   origin, url(path), requests, ingests(), waitForIngests(n, {timeoutMs}),
 *   setPage(path, html), close().
 * `staticDirs` maps URL prefixes (ending in '/') to absolute directories served as files.
 * @param {{ pages?: Record<string, string>, distDir?: string, ingestPath?: string, staticDirs?: Record<string, string> }} [options]
 */
export async function startServer({ pages = {}, distDir = DIST_DIR, ingestPath = '/ingest', staticDirs = {} } = {}) {
  const pageMap = new Map(Object.entries(pages));
  /** @type {{ method: string, url: string, path: string, headers: import('node:http').IncomingHttpHeaders, body: Buffer, at: number }[]} */
  const requests = [];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = { method: req.method ?? '', url: req.url ?? '', path: url.pathname, headers: req.headers, body: Buffer.alloc(0), at: Date.now() };
    try {
      const chunks = [];
      let size = 0;
      for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
        chunks.push(chunk);
      }
      record.body = Buffer.concat(chunks);
      requests.push(record);

      if (url.pathname === ingestPath) {
        if (req.method === 'OPTIONS') {
          res.writeHead(204, {
            'access-control-allow-origin': req.headers.origin ?? '*',
            'access-control-allow-methods': 'POST',
            'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
            'access-control-max-age': '600',
          });
        } else if (req.method === 'POST') {
          res.writeHead(204, { 'access-control-allow-origin': req.headers.origin ?? '*' });
        } else {
          res.writeHead(405, { allow: 'POST, OPTIONS' });
        }
        res.end();
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (pageMap.has(url.pathname)) {
        res.writeHead(200, { 'content-type': MIME['.html'], 'cache-control': 'no-store' });
        res.end(pageMap.get(url.pathname));
        return;
      }
      for (const [prefix, dir] of Object.entries(staticDirs)) {
        if (!url.pathname.startsWith(prefix)) continue;
        const root = resolve(dir);
        const file = resolve(root, decodeURIComponent(url.pathname.slice(prefix.length)));
        if (!file.startsWith(root + sep)) break;
        let data = null;
        try {
          data = await readFile(file);
        } catch {
          data = null;
        }
        if (data) {
          res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
          res.end(data);
          return;
        }
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      // js/dist files, by base name only (no path traversal possible).
      const rel = url.pathname.startsWith('/dist/') ? url.pathname.slice('/dist/'.length) : url.pathname.slice(1);
      const name = basename(rel);
      if (name && name === rel && !name.startsWith('.')) {
        let data;
        try {
          data = await readFile(join(distDir, name));
        } catch {
          data = null;
        }
        if (data) {
          const ext = name.slice(name.lastIndexOf('.'));
          res.writeHead(200, { 'content-type': MIME[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' });
          res.end(data);
          return;
        }
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (err) {
      requests.push(record);
      if (!res.headersSent) res.writeHead(413, { connection: 'close' });
      res.end(String(err));
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const origin = `http://127.0.0.1:${port}`;

  const ingests = () => requests.filter((r) => r.path === ingestPath);
  return {
    origin,
    requests,
    /** The URL of a path on this server. */
    url: (path) => new URL(path, origin).href,
    /** Every request that reached the ingest path (any method). */
    ingests,
    /** Every POST to the ingest path. */
    posts: () => ingests().filter((r) => r.method === 'POST'),
    /** Registers (or replaces) an HTML page. */
    setPage(path, html) {
      pageMap.set(path, html);
    },
    /** Waits until at least `n` POSTs reached the ingest path; rejects after `timeoutMs`. */
    async waitForPosts(n, { timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const posts = ingests().filter((r) => r.method === 'POST');
        if (posts.length >= n) return posts;
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${n} POST(s) to ${ingestPath}; got ${posts.length}`);
        }
        await sleep(50);
      }
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
