// What the full-snapshot batch is made of: raw (uncompressed) size, the
// share of MessagePack map keys, and what other gzip levels would give.
// Node's zlib stands in for the compressors (Reticent uses miniz_oxide in
// wasm, rrweb sites fflate): the sizes carry over, the times only relatively.
import { gunzipSync, gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { decodeMsgpack } from '../../tests/e2e/lib/msgpack.mjs';

/**
 * Bytes of map keys in a decoded value: each key's UTF-8 plus `overhead`
 * (1 for a MessagePack fixstr header; 3 for JSON's quotes and colon).
 */
function keyBytes(value, overhead) {
  if (Array.isArray(value)) return value.reduce((n, v) => n + keyBytes(v, overhead), 0);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    let n = 0;
    for (const [k, v] of Object.entries(value)) n += Buffer.byteLength(k) + overhead + keyBytes(v, overhead);
    return n;
  }
  return 0;
}

function levels(raw) {
  const out = {};
  for (const level of [1, 6, 9]) {
    const times = [];
    let size = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      size = gzipSync(raw, { level }).byteLength;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    out[level] = { bytes: size, nodeZlibMs: times[2] };
  }
  return out;
}

/** `captured`: config name → the gzip'd body of its first batch (the full snapshot). */
export function analyseEncoding(captured) {
  const out = {};
  for (const [name, body] of Object.entries(captured)) {
    const raw = gunzipSync(body);
    const entry = { sent: body.byteLength, raw: raw.byteLength, levels: levels(raw) };
    if (name.startsWith('reticent')) {
      const batch = decodeMsgpack(raw);
      entry.format = 'MessagePack, maps with field names, node ids as deltas (wire format 2)';
      entry.keyBytes = keyBytes(batch, 1);
      entry.eventsAsJson = Buffer.byteLength(JSON.stringify(batch.events));
    } else {
      entry.format = 'JSON';
      entry.keyBytes = keyBytes(JSON.parse(raw.toString('utf8')), 3);
    }
    out[name] = entry;
  }
  return out;
}
