// Where the bytes of a WebAssembly module go: each function's body size,
// named from the module's `name` section, summed per crate. A small twiggy
// ("top" and a per-crate roll-up) that needs nothing but Node.
//
//   node bench/wasm-sizes.mjs <module.wasm> [top N]
//
// Give it a module that kept its names: rustc's own output before wasm-opt
// (target/wasm32-unknown-unknown/wasm-release/reticent_wasm.wasm), or a
// `wasm-opt -Oz -g` twin. The shipped module has no names; its functions
// show as `func[i]`.

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

function reader(bytes) {
  let at = 0;
  const r = {
    get at() {
      return at;
    },
    set at(v) {
      at = v;
    },
    byte: () => bytes[at++],
    u32() {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[at++];
        result += (b & 0x7f) * 2 ** shift;
        if ((b & 0x80) === 0) return result;
        shift += 7;
      }
    },
    name() {
      const len = r.u32();
      const s = new TextDecoder().decode(bytes.subarray(at, at + len));
      at += len;
      return s;
    },
  };
  return r;
}

const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];

/** The sections (name and size), the imported functions' count, each body, and the function names. */
function parse(bytes) {
  const r = reader(bytes);
  r.at = 8;
  let imported = 0;
  const bodies = [];
  const names = new Map();
  const sections = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    let name = SECTION_NAMES[id] ?? `unknown(${id})`;
    if (id === 0) {
      name = `custom "${r.name()}"`;
      if (name === 'custom "name"') {
        while (r.at < end) {
          const sub = r.byte();
          const subSize = r.u32();
          const subEnd = r.at + subSize;
          if (sub === 1) {
            const count = r.u32();
            for (let i = 0; i < count; i++) names.set(r.u32(), r.name());
          }
          r.at = subEnd;
        }
      }
    } else if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) {
          imported++;
          r.u32();
        } else if (kind === 1) {
          r.byte();
          const flags = r.byte();
          r.u32();
          if (flags & 1) r.u32();
        } else if (kind === 2) {
          const flags = r.byte();
          r.u32();
          if (flags & 1) r.u32();
        } else if (kind === 3) {
          r.byte();
          r.byte();
        } else if (kind === 4) {
          r.byte();
          r.u32();
        }
      }
    } else if (id === 10) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const len = r.u32();
        bodies.push({ index: imported + i, size: len, start: r.at });
        r.at += len;
      }
    }
    sections.push({ name, bytes: size });
    r.at = end;
  }
  return { bodies, names, sections };
}

/** Sections of a wasm module: name (custom sections by name) and size. */
export function wasmSections(bytes) {
  return parse(bytes).sections;
}

/** A symbol as a readable path without its hash (legacy-mangled `_ZN…E` decoded). */
function demangle(name) {
  if (!name.startsWith('_ZN')) return name.replace(/::h[0-9a-f]{16}$/, '');
  const parts = [];
  let at = 3;
  while (at < name.length && name[at] !== 'E') {
    const m = /^\d+/.exec(name.slice(at));
    if (!m) break;
    at += m[0].length;
    parts.push(name.slice(at, at + Number(m[0])));
    at += Number(m[0]);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  return parts
    .join('::')
    .replace(/\$LT\$/g, '<')
    .replace(/\$GT\$/g, '>')
    .replace(/\$u20\$/g, ' ')
    .replace(/\$C\$/g, ',')
    .replace(/\$RF\$/g, '&')
    .replace(/\.\./g, '::');
}

/** The crate a function belongs to, roughly (what twiggy's "garbage" and "dominators" would need names for). */
function crateOf(raw) {
  if (!raw) return '(unnamed)';
  if (/^(__wbg|__wbindgen|__externref)/.test(raw)) return 'wasm-bindgen glue';
  // wasm-bindgen's shims of the exported methods (`recorder_grantConsent externref shim`).
  if (/ shim$/.test(raw) || /^[a-z]+_[A-Za-z]+$/.test(raw)) return 'exports (wasm-bindgen shims)';
  if (raw.startsWith('_R')) {
    // v0: the first crate root is `C`, an optional `s<disambiguator>_`, then `<len><name>`.
    const m = /C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_]\w*)/.exec(raw);
    return m ? m[2].slice(0, Number(m[1])) : '(other)';
  }
  const n = demangle(raw).replace(/\[[0-9a-f]+\]/g, '');
  // `<Type as crate::Trait>::f`: the type's crate, or the trait's for a primitive or generic type.
  const impl = /^<(.+?) as ([A-Za-z_]\w*)::/.exec(n);
  const path = impl ? (/^[&*\[]|^(T|A|u\d+|i\d+|usize|isize|f\d+|char|str|bool|dyn)\b/.test(impl[1]) ? impl[2] + '::' : impl[1]) : n.replace(/^<+/, '');
  const m = /^&?(?:mut )?([A-Za-z_][A-Za-z0-9_]*)::/.exec(path);
  return m ? m[1] : /^(char|str|u\d+|\[)/.test(path) ? 'core' : '(other)';
}

/**
 * Where the code bytes of `bytes` (a module) go: body bytes per crate, with
 * the gzip -9 of each crate's bodies together, and the largest functions.
 */
export function wasmSizes(bytes, top = 25) {
  const { bodies, names, sections } = parse(bytes);
  const perCrate = new Map();
  for (const b of bodies) {
    const c = crateOf(names.get(b.index));
    const e = perCrate.get(c) ?? { crate: c, bytes: 0, parts: [], functions: 0 };
    e.bytes += b.size;
    e.functions++;
    e.parts.push(bytes.subarray(b.start, b.start + b.size));
    perCrate.set(c, e);
  }
  const crates = [...perCrate.values()]
    .map(({ parts, ...e }) => ({ ...e, gzip: gzipSync(Buffer.concat(parts), { level: 9 }).length }))
    .sort((a, b) => b.bytes - a.bytes);
  const largest = [...bodies]
    .sort((a, b) => b.size - a.size)
    .slice(0, top)
    .map((b) => ({ bytes: b.size, name: demangle(names.get(b.index) ?? `func[${b.index}]`) }));
  return { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, functions: bodies.length, sections, crates, largest };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/wasm-sizes.mjs <module.wasm> [top N]');
    process.exit(2);
  }
  const r = wasmSizes(readFileSync(file), Number(topArg ?? 40));
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`${file}: ${kib(r.bytes)} raw, ${kib(r.gzip)} gzip -9, ${r.functions} functions\n`);
  console.log('sections:');
  for (const s of r.sections) console.log(`  ${s.name.padEnd(28)} ${String(s.bytes).padStart(8)}`);
  console.log("\ncode per crate (body bytes, and gzip -9 of the crate's bodies together):");
  for (const c of r.crates) {
    console.log(`  ${c.crate.padEnd(28)} ${String(c.bytes).padStart(8)} ${String(c.gzip).padStart(8)}  (${c.functions} fns)`);
  }
  console.log(`\ntop ${r.largest.length} functions by body size:`);
  for (const f of r.largest) console.log(`  ${String(f.bytes).padStart(7)}  ${f.name.slice(0, 150)}`);
}
