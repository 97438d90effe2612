// A tiny development server for the basic example (node built-ins only).
//
//   GET  /                 examples/basic/index.html
//   GET  /logo.svg         examples/basic/logo.svg
//   GET  /reticent.js      js/dist/reticent.js (the script-tag build), and the other js/dist files
//   POST /ingest           writes the raw body to recordings/<sessionId or timestamp>-<n>.batch
//                          (at most 1 MiB: 413 beyond), answers 204
//
// Environment: PORT (default 8080), HOST (default 127.0.0.1), RECORDINGS_DIR (default
// <repo>/recordings). Decode what it stored with `target/debug/reticent decode recordings/*.batch`.
import { createServer } from 'node:http';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const DIST = join(ROOT, 'js', 'dist');
const RECORDINGS = resolve(process.env.RECORDINGS_DIR || join(ROOT, 'recordings'));
const PORT = Number.parseInt(process.env.PORT || '8080', 10);
const HOST = process.env.HOST || '127.0.0.1';
const MAX_BODY = 1 << 20; // 1 MiB, the collector's default limit
const BATCH_TYPE = 'application/vnd.reticent.batch+msgpack';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** Files served from examples/basic (by URL path). */
const PAGES = { '/': 'index.html', '/index.html': 'index.html', '/logo.svg': 'logo.svg' };

let batchCount = 0;

if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  console.error(`demo server: PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(`demo server: ${req.method} ${req.url}: ${err && err.stack ? err.stack : err}`);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error');
  });
});

async function handle(req, res) {
  const url = new URL(req.url || '/', 'http://localhost');
  if (url.pathname === '/ingest') return ingest(req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (PAGES[url.pathname]) return sendFile(res, join(HERE, PAGES[url.pathname]));
  const name = url.pathname.slice(1);
  if (name && name === basename(name) && !name.startsWith('.')) {
    return sendFile(res, join(DIST, name), () => name === 'reticent.js'
      ? 'js/dist/reticent.js is missing: build the package with `cd js && npm run build`\n'
      : undefined);
  }
  notFound(res);
}

async function sendFile(res, path, missingHint = () => undefined) {
  let data;
  try {
    data = await readFile(path);
  } catch {
    notFound(res, missingHint());
    return;
  }
  const ext = path.slice(path.lastIndexOf('.'));
  res.writeHead(200, { 'content-type': MIME[ext] || 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(data);
}

function notFound(res, message = 'not found\n') {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
}

async function ingest(req, res) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-origin': req.headers.origin || '*',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': req.headers['access-control-request-headers'] || 'content-type',
    }).end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST, OPTIONS' }).end();
    return;
  }
  const tooLarge = () => {
    console.log(`ingest: refused a batch over ${MAX_BODY} bytes (413)`);
    res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
    // Stop reading once the answer is out: the rest of the body is never buffered.
    res.end(`batch larger than ${MAX_BODY} bytes\n`, () => req.destroy());
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY) {
    tooLarge();
    return;
  }
  const body = await new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        over = true;
        resolve(null);
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => over || resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
  if (body === null) {
    tooLarge();
    return;
  }
  const type = String(req.headers['content-type'] || '').split(';')[0].trim();
  if (type !== BATCH_TYPE) {
    console.warn(`ingest: unexpected Content-Type ${JSON.stringify(type)} (expected ${BATCH_TYPE}); stored anyway`);
  }
  const n = ++batchCount;
  const name = `${sessionIdOf(body) ?? Date.now()}-${n}.batch`;
  const path = join(RECORDINGS, name);
  await writeFile(path, body, { flag: 'wx' }); // never overwrite an earlier recording
  console.log(`ingest: batch ${n}, ${body.length} bytes → ${shown(path)}`);
  res.writeHead(204, { 'access-control-allow-origin': req.headers.origin || '*' }).end();
}

/**
 * The batch's `sessionId` (wire format v1: a gzip'd MessagePack map whose first keys are
 * `version` then `sessionId`), or null when it cannot be read. Only names the file: the
 * real decoder is `reticent decode`.
 */
function sessionIdOf(body) {
  let raw;
  try {
    raw = gunzipSync(body, { maxOutputLength: 16 << 20 });
  } catch {
    return null;
  }
  let pos = 0;
  const byte = () => (pos < raw.length ? raw[pos++] : -1);
  const str = () => {
    const b = byte();
    let len = -1;
    if (b >= 0xa0 && b <= 0xbf) len = b & 0x1f;
    else if (b === 0xd9) len = byte();
    if (len < 0 || pos + len > raw.length) return null;
    const s = raw.subarray(pos, pos + len).toString('utf8');
    pos += len;
    return s;
  };
  const head = byte();
  if (!((head >= 0x80 && head <= 0x8f) || head === 0xde)) return null;
  if (head === 0xde) pos += 2;
  if (str() !== 'version') return null;
  const v = byte();
  if (v < 0 || v > 0x7f) return null; // positive fixint
  if (str() !== 'sessionId') return null;
  const id = str();
  return id && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null;
}

/** A path as the user would type it from the current directory. */
function shown(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

await mkdir(RECORDINGS, { recursive: true });
// Number batches after those already stored, so a restarted server never reuses a name.
for (const file of await readdir(RECORDINGS)) {
  const m = /-(\d+)\.batch$/.exec(file);
  if (m) batchCount = Math.max(batchCount, Number(m[1]));
}
server.on('error', (err) => {
  console.error(`demo server: cannot listen on ${HOST}:${PORT}: ${err.message}${err.code === 'EADDRINUSE' ? ' (set PORT to another port)' : ''}`);
  process.exit(1);
});
server.listen(PORT, HOST, () => {
  const { port } = server.address();
  console.log(`Reticent demo: open http://${HOST}:${port}/`);
  console.log(`  batches are written to ${shown(RECORDINGS)}/`);
  console.log(`  decode them with: target/debug/reticent decode ${shown(RECORDINGS)}/*.batch`);
  console.log('  stop with Ctrl-C');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
