/**
 * Inflating the inlined module.
 *
 * The default and script-tag entries inline the WebAssembly module as base64.
 * base64 of the raw module gzips a quarter larger than the `.wasm` file
 * gzip'd; base64 of the module compressed first (zlib, level 9) stays about
 * as small. So build.mjs inlines it deflated, and loading inflates it:
 * with the browser's `DecompressionStream` where there is one (native; 3–15
 * ms in Chromium here, mostly the stream's own start), else with the small
 * inflater below (RFC 1950/1951; 25–50 ms on its first run), so that
 * browsers without it (Safari before 16.4, Firefox before 113) still load
 * the module.
 *
 * @packageDocumentation
 */

/**
 * Inflates the zlib stream `deflated` into exactly `size` bytes. Rejects when
 * the stream is malformed, fails its checksum, or does not give `size` bytes.
 */
export async function inflateModule(deflated: Uint8Array, size: number): Promise<Uint8Array<ArrayBuffer>> {
  let out: Uint8Array<ArrayBuffer> | undefined;
  if (typeof DecompressionStream === 'function') {
    try {
      out = await inflateNative(deflated);
    } catch {
      // An engine that has the API but fails (an unsupported format, a
      // broken polyfill): the inflater below checks the same stream.
    }
  }
  if (out === undefined) out = inflateZlib(deflated, size);
  if (out.length !== size) throw new Error(`the inlined module inflated to ${out.length} bytes, expected ${size}`);
  return out;
}

async function inflateNative(deflated: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([deflated as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Lengths and distances: base values and extra bits (RFC 1951, 3.2.5).
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
// The order in which a dynamic block lists its code-length code's lengths.
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A canonical Huffman code as a lookup table indexed by the next `bits` bits
 * of input (deflate packs codes from their first bit up, so the table is
 * indexed by the bit-reversed code). An entry is `symbol << 4 | length`; 0
 * marks an index no code starts with.
 */
interface Table {
  readonly entries: Uint16Array;
  readonly bits: number;
}

function table(lengths: ArrayLike<number>): Table {
  let max = 0;
  const count = new Array<number>(16).fill(0);
  for (let i = 0; i < lengths.length; i++) {
    const len = at(lengths, i);
    count[len] = at(count, len) + 1;
    if (len > max) max = len;
  }
  count[0] = 0;
  // First code of each length (RFC 1951, 3.2.2); an over-subscribed set of
  // lengths is malformed.
  const next = new Array<number>(16).fill(0);
  let code = 0;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    code = (code + at(count, len - 1)) << 1;
    next[len] = code;
    left = (left << 1) - at(count, len);
    if (left < 0) malformed();
  }
  const bits = Math.max(max, 1);
  const entries = new Uint16Array(1 << bits);
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const len = at(lengths, symbol);
    if (len === 0) continue;
    let c = at(next, len);
    next[len] = c + 1;
    let reversed = 0;
    for (let i = 0; i < len; i++, c >>= 1) reversed = (reversed << 1) | (c & 1);
    for (let i = reversed; i < entries.length; i += 1 << len) entries[i] = (symbol << 4) | len;
  }
  return { entries, bits };
}

/** `a[i]`, where a missing element means a malformed stream. */
function at(a: ArrayLike<number>, i: number): number {
  return a[i] ?? malformed();
}

function malformed(): never {
  throw new Error('malformed deflate stream');
}

const FIXED_LITLEN = table(Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)));
const FIXED_DIST = table(new Array<number>(30).fill(5));

/** The bit reader's state, shared by the functions below. */
interface Bits {
  readonly input: Uint8Array;
  /** Next byte of `input` to load; past the end, zeros are loaded. */
  pos: number;
  /** Loaded bits not yet consumed, first bit lowest; `have` of them. */
  buf: number;
  have: number;
}

// Past the end of the input the reader loads zeros (a code may look ahead
// further than the stream goes); a stream that needed more than the 4 bytes
// of its trailer is malformed.
const LOOKAHEAD = 4;

/** The next `n` ≤ 15 bits (and maybe more), not consumed. */
function peek(s: Bits, n: number): number {
  while (s.have < n) {
    s.buf |= (s.input[s.pos++] ?? 0) << s.have;
    s.have += 8;
  }
  if (s.pos > s.input.length + LOOKAHEAD) malformed();
  return s.buf;
}

function take(s: Bits, n: number): number {
  const v = peek(s, n) & ((1 << n) - 1);
  s.buf >>>= n;
  s.have -= n;
  return v;
}

function decode(s: Bits, t: Table): number {
  const e = t.entries[peek(s, t.bits) & ((1 << t.bits) - 1)] ?? 0;
  if (e === 0) malformed();
  s.buf >>>= e & 15;
  s.have -= e & 15;
  return e >> 4;
}

/**
 * Inflates a zlib stream (RFC 1950: header, deflate data, Adler-32) into
 * exactly `size` bytes. Throws on a malformed stream, a wrong checksum or any
 * other length. Every symbol either consumes input or writes output, so it
 * ends on any input.
 */
export function inflateZlib(input: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const cmf = input[0] ?? 0;
  const flg = input[1] ?? 0;
  if (input.length < 6 || (cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) {
    throw new Error('not a zlib stream');
  }
  const out = new Uint8Array(size);
  const s: Bits = { input, pos: 2, buf: 0, have: 0 };
  let o = 0;
  let last = 0;
  while (last === 0) {
    last = take(s, 1);
    const kind = take(s, 2);
    if (kind === 0) {
      // Stored: from the next byte boundary, LEN and its complement, then bytes.
      let pos = s.pos - (s.have >> 3);
      s.buf = 0;
      s.have = 0;
      const len = at(input, pos) | (at(input, pos + 1) << 8);
      if ((len ^ (at(input, pos + 2) | (at(input, pos + 3) << 8))) !== 0xffff) malformed();
      pos += 4;
      if (pos + len > input.length || o + len > size) malformed();
      out.set(input.subarray(pos, pos + len), o);
      s.pos = pos + len;
      o += len;
    } else if (kind === 1) {
      o = codes(s, out, o, FIXED_LITLEN, FIXED_DIST);
    } else if (kind === 2) {
      const [litlen, dist] = dynamicTables(s);
      o = codes(s, out, o, litlen, dist);
    } else {
      malformed();
    }
  }
  // The Adler-32 trailer, big-endian, from the next byte boundary.
  const pos = s.pos - (s.have >> 3);
  if (pos + 4 !== input.length || o !== size) malformed();
  let a = 1;
  let b = 0;
  for (let i = 0; i < size; ) {
    // 5552 bytes at most between reductions keep both sums exact in doubles.
    for (const end = Math.min(size, i + 5552); i < end; i++) b += a += out[i] ?? 0;
    a %= 65521;
    b %= 65521;
  }
  const expected = ((at(input, pos) << 24) | (at(input, pos + 1) << 16) | (at(input, pos + 2) << 8) | at(input, pos + 3)) >>> 0;
  if (((b << 16) | a) >>> 0 !== expected) throw new Error('the inlined module fails its checksum');
  return out;
}

/** A dynamic block's header: its literal/length and distance codes (RFC 1951, 3.2.7). */
function dynamicTables(s: Bits): [Table, Table] {
  const nlen = take(s, 5) + 257;
  const ndist = take(s, 5) + 1;
  const nclen = take(s, 4) + 4;
  const clens = new Uint8Array(19);
  for (let i = 0; i < nclen; i++) clens[at(CLEN_ORDER, i)] = take(s, 3);
  const clen = table(clens);
  const lengths = new Uint8Array(nlen + ndist);
  for (let i = 0; i < nlen + ndist; ) {
    const sym = decode(s, clen);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    const [value, repeat] = sym === 16 ? [at(lengths, i - 1), 3 + take(s, 2)] : [0, sym === 17 ? 3 + take(s, 3) : 11 + take(s, 7)];
    if (i + repeat > nlen + ndist) malformed();
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) malformed();
  return [table(lengths.subarray(0, nlen)), table(lengths.subarray(nlen))];
}

/**
 * A block's codes up to its end-of-block, written to `out` from `o`; returns
 * where the next block writes. It runs for every byte of the module, so the
 * reader's state is in locals here, not in `s`: with it in closures, the
 * first runs in Chromium (before the engine has optimised the code) were
 * several times slower.
 */
function codes(s: Bits, out: Uint8Array, o: number, litlen: Table, dist: Table): number {
  const input = s.input;
  const limit = input.length + LOOKAHEAD;
  const size = out.length;
  const lt = litlen.entries;
  const lbits = litlen.bits;
  const lmask = (1 << lbits) - 1;
  const dt = dist.entries;
  const dbits = dist.bits;
  const dmask = (1 << dbits) - 1;
  let { pos, buf, have } = s;
  for (;;) {
    while (have < lbits) {
      buf |= (input[pos++] ?? 0) << have;
      have += 8;
    }
    const e = lt[buf & lmask] ?? 0;
    if (e === 0) malformed();
    buf >>>= e & 15;
    have -= e & 15;
    const sym = e >> 4;
    if (sym < 256) {
      if (o >= size) malformed();
      out[o++] = sym;
      continue;
    }
    if (sym === 256) break;
    const l = sym - 257;
    const lx = at(LENGTH_EXTRA, l);
    while (have < lx + dbits) {
      buf |= (input[pos++] ?? 0) << have;
      have += 8;
    }
    const len = at(LENGTH_BASE, l) + (buf & ((1 << lx) - 1));
    buf >>>= lx;
    have -= lx;
    const de = dt[buf & dmask] ?? 0;
    if (de === 0) malformed();
    buf >>>= de & 15;
    have -= de & 15;
    const d = de >> 4;
    const dx = at(DIST_EXTRA, d);
    while (have < dx) {
      buf |= (input[pos++] ?? 0) << have;
      have += 8;
    }
    const back = at(DIST_BASE, d) + (buf & ((1 << dx) - 1));
    buf >>>= dx;
    have -= dx;
    if (back > o || o + len > size || pos > limit) malformed();
    // `back ≤ o` was checked: every byte read was written before.
    for (let i = 0; i < len; i++, o++) out[o] = out[o - back] ?? 0;
  }
  if (pos > limit) malformed();
  s.pos = pos;
  s.buf = buf;
  s.have = have;
  return o;
}
