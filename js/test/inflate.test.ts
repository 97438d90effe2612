import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constants, deflateSync } from 'node:zlib';
import { inflateModule, inflateZlib } from '../src/wasm/inflate.js';

/** Deterministic bytes: a small linear congruential generator. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Text-like bytes with long and short repeats, like a module's code and data. */
function textLike(length: number): Uint8Array {
  const words = ['reticent', 'mask', 'snapshot', '\0', 'wasm', 'policy', 'node', 'id', '\n', 'attributes'];
  let s = '';
  for (let i = 0; s.length < length; i++) s += (words[(i * 7 + (i >> 3)) % words.length] ?? '') + (i % 13 === 0 ? String(i) : ' ');
  return new TextEncoder().encode(s.slice(0, length));
}

const SAMPLES: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['one byte', Uint8Array.of(42)],
  ['noise, 100 KiB (stored blocks over 64 KiB)', noise(100_000, 7)],
  ['text-like, 300 KiB', textLike(300_000)],
  ['one byte repeated (distance 1, length 258)', new Uint8Array(70_000).fill(0x61)],
  ['mixed', Uint8Array.from([...textLike(20_000), ...noise(5_000, 3), ...textLike(20_000)])],
];

describe('inflateZlib', () => {
  for (const [name, data] of SAMPLES) {
    for (const level of [0, 1, 6, 9]) {
      it(`inflates ${name} deflated at level ${level}`, () => {
        assert.deepEqual(inflateZlib(deflateSync(data, { level }), data.length), data);
      });
    }
    it(`inflates ${name} with fixed Huffman codes only`, () => {
      const deflated = deflateSync(data, { level: 9, strategy: constants.Z_FIXED });
      assert.deepEqual(inflateZlib(deflated, data.length), data);
    });
  }

  it('refuses a stream that is not zlib', () => {
    assert.throws(() => inflateZlib(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0), 0), /not a zlib stream/);
    assert.throws(() => inflateZlib(new Uint8Array(3), 0), /not a zlib stream/);
  });

  it('refuses a wrong checksum', () => {
    const data = textLike(10_000);
    const deflated = deflateSync(data, { level: 9 });
    deflated[deflated.length - 1] = (deflated[deflated.length - 1] ?? 0) ^ 1;
    assert.throws(() => inflateZlib(deflated, data.length), /checksum/);
  });

  it('refuses any other size than the one expected', () => {
    const data = textLike(10_000);
    const deflated = deflateSync(data, { level: 9 });
    assert.throws(() => inflateZlib(deflated, data.length - 1), /malformed/);
    assert.throws(() => inflateZlib(deflated, data.length + 1), /malformed/);
  });

  it('refuses a truncated stream', () => {
    const data = textLike(50_000);
    const deflated = deflateSync(data, { level: 9 });
    for (const cut of [3, 10, Math.floor(deflated.length / 2), deflated.length - 5, deflated.length - 1]) {
      assert.throws(() => inflateZlib(deflated.subarray(0, cut), data.length), `cut at ${cut}`);
    }
  });

  it('never returns wrong bytes from a corrupted stream, and always ends', () => {
    const data = textLike(20_000);
    const deflated = deflateSync(data, { level: 9 });
    const bits = noise(400, 11);
    for (let i = 0; i < 200; i++) {
      const bad = Uint8Array.from(deflated);
      // A flipped bit after the 2-byte header.
      const at = 2 + ((((bits[2 * i] ?? 0) << 8) | (bits[2 * i + 1] ?? 0)) % (bad.length - 2));
      bad[at] = (bad[at] ?? 0) ^ (1 << i % 8);
      let out: Uint8Array | undefined;
      try {
        out = inflateZlib(bad, data.length);
      } catch {
        continue;
      }
      assert.deepEqual(out, data, `a flipped bit at byte ${at} gave other bytes`);
    }
  });
});

describe('inflateModule', () => {
  const data = textLike(200_000);
  const deflated = deflateSync(data, { level: 9 });

  it('inflates with the platform DecompressionStream', async () => {
    assert.equal(typeof DecompressionStream, 'function');
    assert.deepEqual(await inflateModule(deflated, data.length), data);
  });

  it('inflates without DecompressionStream, and when it fails', async () => {
    const original = globalThis.DecompressionStream;
    try {
      Object.defineProperty(globalThis, 'DecompressionStream', { value: undefined, configurable: true, writable: true });
      assert.deepEqual(await inflateModule(deflated, data.length), data);
      let constructed = 0;
      Object.defineProperty(globalThis, 'DecompressionStream', {
        value: class {
          constructor() {
            constructed++;
            throw new TypeError('unsupported format');
          }
        },
        configurable: true,
        writable: true,
      });
      assert.deepEqual(await inflateModule(deflated, data.length), data);
      assert.equal(constructed, 1);
    } finally {
      Object.defineProperty(globalThis, 'DecompressionStream', { value: original, configurable: true, writable: true });
    }
  });

  it('rejects a module of another size, or a corrupted one', async () => {
    await assert.rejects(inflateModule(deflated, data.length + 1), /expected|malformed/);
    const bad = Uint8Array.from(deflated);
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0xff;
    await assert.rejects(inflateModule(bad, data.length), /checksum|malformed/);
  });
});
