// A small, strict MessagePack reader for the tests: it decodes exactly one value and
// throws when bytes are left over, a value is truncated, or a reserved byte (0xc1) appears.
// It is deliberately independent of the Rust decoder under test.

const MAX_DEPTH = 1000;

/**
 * Decodes `bytes` as exactly one MessagePack value.
 * Maps become plain objects (keys as strings); bin becomes a Buffer; ext becomes {ext, data}.
 * @param {Uint8Array} bytes
 */
export function decodeMsgpack(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;

  const need = (n) => {
    if (pos + n > buf.length) throw new Error(`msgpack: truncated at byte ${pos} (need ${n} more)`);
  };
  const u8 = () => (need(1), buf[pos++]);
  const u16 = () => (need(2), (pos += 2), buf.readUInt16BE(pos - 2));
  const u32 = () => (need(4), (pos += 4), buf.readUInt32BE(pos - 4));
  const big = (signed) => {
    need(8);
    const v = signed ? buf.readBigInt64BE(pos) : buf.readBigUInt64BE(pos);
    pos += 8;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const bytesOf = (n) => {
    need(n);
    pos += n;
    return buf.subarray(pos - n, pos);
  };
  const str = (n) => bytesOf(n).toString('utf8');
  const arr = (n, depth) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(value(depth + 1));
    return out;
  };
  const map = (n, depth) => {
    const out = {};
    for (let i = 0; i < n; i++) {
      const k = value(depth + 1);
      out[String(k)] = value(depth + 1);
    }
    return out;
  };
  const ext = (n) => {
    need(1 + n);
    const type = buf.readInt8(pos++);
    return { ext: type, data: bytesOf(n) };
  };

  function value(depth) {
    if (depth > MAX_DEPTH) throw new Error(`msgpack: nesting deeper than ${MAX_DEPTH}`);
    const b = u8();
    if (b <= 0x7f) return b;
    if (b <= 0x8f) return map(b & 0x0f, depth);
    if (b <= 0x9f) return arr(b & 0x0f, depth);
    if (b <= 0xbf) return str(b & 0x1f);
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return bytesOf(u8());
      case 0xc5: return bytesOf(u16());
      case 0xc6: return bytesOf(u32());
      case 0xc7: return ext(u8());
      case 0xc8: return ext(u16());
      case 0xc9: return ext(u32());
      case 0xca: need(4); pos += 4; return buf.readFloatBE(pos - 4);
      case 0xcb: need(8); pos += 8; return buf.readDoubleBE(pos - 8);
      case 0xcc: return u8();
      case 0xcd: return u16();
      case 0xce: return u32();
      case 0xcf: return big(false);
      case 0xd0: need(1); return buf.readInt8(pos++);
      case 0xd1: need(2); pos += 2; return buf.readInt16BE(pos - 2);
      case 0xd2: need(4); pos += 4; return buf.readInt32BE(pos - 4);
      case 0xd3: return big(true);
      case 0xd4: return ext(1);
      case 0xd5: return ext(2);
      case 0xd6: return ext(4);
      case 0xd7: return ext(8);
      case 0xd8: return ext(16);
      case 0xd9: return str(u8());
      case 0xda: return str(u16());
      case 0xdb: return str(u32());
      case 0xdc: return arr(u16(), depth);
      case 0xdd: return arr(u32(), depth);
      case 0xde: return map(u16(), depth);
      case 0xdf: return map(u32(), depth);
      default: throw new Error(`msgpack: reserved byte 0x${b.toString(16)} at ${pos - 1}`);
    }
  }

  const v = value(0);
  if (pos !== buf.length) throw new Error(`msgpack: ${buf.length - pos} trailing bytes after the value`);
  return v;
}
