// The bench server on 127.0.0.1 (ephemeral port): the pages, the recorder
// bundles, and an ingest endpoint that keeps every POSTed body by run id.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';

const MIME = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * `routes` maps a path to { body } (a string or Buffer) or { file } (read on
 * each request). Bodies POSTed to `/ingest?run=ID&…` are kept in
 * `batches(ID)`, in arrival order, with the time they arrived.
 */
export async function startBenchServer(routes) {
  /** @type {Map<string, { at: number, bytes: Buffer }[]>} */
  const runs = new Map();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (url.pathname === '/ingest') {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const run = url.searchParams.get('run') ?? '';
      if (!runs.has(run)) runs.set(run, []);
      runs.get(run).push({ at: Date.now(), bytes: Buffer.concat(chunks) });
      res.writeHead(204).end();
      return;
    }
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    try {
      const body = route.file ? await readFile(route.file) : route.body;
      const ext = url.pathname.slice(url.pathname.lastIndexOf('.'));
      res.writeHead(200, {
        'content-type': route.type ?? MIME[ext] ?? 'text/html; charset=utf-8',
        'cache-control': url.pathname.startsWith('/img/') ? 'max-age=3600' : 'no-store',
      });
      res.end(body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    /** The bodies POSTed for run `id`, in arrival order. */
    batches: (id) => runs.get(id) ?? [],
    /** Forgets run `id` (keeps the server's memory flat over a long bench). */
    forget: (id) => runs.delete(id),
    close() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
