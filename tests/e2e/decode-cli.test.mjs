// `reticent decode` treats every byte as hostile: bad input of any kind exits non-zero with
// one line on stderr, nothing on stdout, and never a panic or a crash.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runReticent } from './lib/decode.mjs';
import { GOLDEN_BATCH } from './lib/paths.mjs';

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
function noise(n, seed = 0x9e3779b9) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Asserts the shape of a refusal: non-zero exit, one stderr line, no output, no panic. */
function assertRefused(r, what) {
  const ctx = `${what}: exit ${r.code}, signal ${r.signal}, stderr ${JSON.stringify(r.stderr)}`;
  assert.equal(r.signal, null, `killed by a signal (crash or stack overflow?) — ${ctx}`);
  assert.notEqual(r.code, 0, `exit status 0 for bad input — ${ctx}`);
  assert.doesNotMatch(r.stderr, /panicked|overflowed its stack|RUST_BACKTRACE|stack backtrace/i, `panic text — ${ctx}`);
  const msg = r.stderr.replace(/\n$/, '');
  assert.ok(msg.length > 0, `no error message — ${ctx}`);
  assert.ok(!msg.includes('\n'), `error message is not a single line — ${ctx}`);
  assert.equal(r.stdout.length, 0, `wrote to stdout although it failed — ${ctx}`);
  return msg;
}

let dir;
let golden;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reticent-decode-cli-'));
  golden = await readFile(GOLDEN_BATCH);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('reticent decode: a valid batch (control)', () => {
  it('decodes the golden fixture from stdin to an rrweb event array', async () => {
    const r = await runReticent(['decode'], { input: golden });
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    const events = JSON.parse(r.stdout.toString('utf8'));
    assert.ok(Array.isArray(events) && events.length > 0, 'expected a non-empty event array');
    assert.ok(events.some((e) => e.type === 2), 'expected a FullSnapshot event');
  });

  it('decodes the golden fixture given as a file path', async () => {
    const r = await runReticent(['decode', GOLDEN_BATCH]);
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.ok(JSON.parse(r.stdout.toString('utf8')).length > 0);
  });
});

describe('reticent decode: hostile input is refused cleanly', () => {
  const viaStdin = [
    ['empty input', () => Buffer.alloc(0)],
    ['corrupt bytes (random noise)', () => noise(4096)],
    ['corrupt bytes that start with the gzip magic', () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), noise(2048, 7)])],
    ['truncated gzip (first half of a valid batch)', () => golden.subarray(0, Math.floor(golden.length / 2))],
    ['truncated gzip (trailer cut off)', () => golden.subarray(0, golden.length - 4)],
    ['gzip with a wrong CRC', () => {
      const b = Buffer.from(golden);
      b[b.length - 8] ^= 0xff;
      return b;
    }],
    ['a valid batch followed by trailing bytes', () => Buffer.concat([golden, Buffer.from('trailing')])],
    ['two gzip members', () => Buffer.concat([golden, golden])],
    ['plain (uncompressed) MessagePack', () => Buffer.from([0x81, 0xa7, ...Buffer.from('version'), 0x01])],
    ['gzip of random bytes (not MessagePack)', () => gzipSync(noise(10_000, 3))],
    ['gzip of a MessagePack value that is not a batch', () => gzipSync(Buffer.from([0x93, 0x01, 0x02, 0x03]))],
    ['gzip of an unsupported version', () => gzipSync(Buffer.from([0x81, 0xa7, ...Buffer.from('version'), 0x7f]))],
    ['gzip of 100 000 nested arrays (stack exhaustion attempt)', () => gzipSync(Buffer.concat([Buffer.alloc(100_000, 0x91), Buffer.from([0xc0])]))],
    ['gzip bomb: 50 MB of zeros', () => gzipSync(Buffer.alloc(50 << 20), { level: 9 })],
    ['oversized input on stdin (1.5 MiB)', () => noise(1536 * 1024, 11)],
  ];

  for (const [what, make] of viaStdin) {
    it(`${what} → non-zero exit, one line on stderr`, async () => {
      const input = make();
      const r = await runReticent(['decode'], { input });
      assertRefused(r, what);
    });
  }

  it('oversized file (> 1 MiB, a gzip of incompressible bytes) → refused with a size message', async () => {
    const path = join(dir, 'big.batch');
    await writeFile(path, gzipSync(noise((1 << 20) + 200_000, 5), { level: 0 }));
    const r = await runReticent(['decode', path]);
    const msg = assertRefused(r, 'oversized file');
    assert.match(msg, /large|size|limit|big/i, `message should say the input is too large: ${msg}`);
  });

  it('a missing file → refused', async () => {
    const r = await runReticent(['decode', join(dir, 'does-not-exist.batch')]);
    assertRefused(r, 'missing file');
  });

  it('one bad file among good ones → refused, nothing partial on stdout', async () => {
    const bad = join(dir, 'bad.batch');
    await writeFile(bad, noise(300, 13));
    const r = await runReticent(['decode', GOLDEN_BATCH, bad, GOLDEN_BATCH]);
    const msg = assertRefused(r, 'mixed files');
    assert.ok(msg.includes('bad.batch'), `message should name the bad file: ${msg}`);
  });
});
