// Builds the npm package `reticent` into js/dist, with pinned tools:
//
//   cargo (wasm-release profile) → wasm-bindgen CLI (the exact version in
//   Cargo.lock) → wasm-opt (npm `binaryen`, pinned in package.json) →
//   inlined module (zlib level 9, then base64) → esbuild (compression
//   worker, inlined as a string; then ESM default, ESM slim, IIFE) →
//   tsc (.d.ts) → size table.
//
// Every step either succeeds or fails the build; nothing is skipped.
// Run: cd js && npm ci && npm run build
// Needs: Rust with the wasm32-unknown-unknown target, and the wasm-bindgen CLI.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const js = dirname(fileURLToPath(import.meta.url));
const root = dirname(js);
const pkgDir = join(js, 'pkg');
const dist = join(js, 'dist');
const generated = join(js, 'src', 'generated');
const bin = (name) => join(js, 'node_modules', '.bin', name);

// wasm32 features that rustc's default wasm32-unknown-unknown output uses
// (bulk memory, non-trapping float-to-int, sign extension, mutable globals,
// reference types, multi-value). wasm-opt must be told, or it rejects the module.
const WASM_OPT_FLAGS = [
  '-Oz',
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
  '--strip-debug',
  '--strip-producers',
];

function fail(message) {
  console.error(`\nbuild.mjs: ${message}`);
  process.exit(1);
}

function step(title) {
  console.log(`\n== ${title}`);
}

/** Runs a command, streaming its output; fails the build if it fails. */
function run(cmd, args, { cwd = root, capture = false, env = process.env } = {}) {
  console.log(`$ ${[cmd, ...args].map((a) => (a.startsWith(root) ? relative(cwd, a) || '.' : a)).join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, env, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} exited with status ${r.status ?? r.signal}`);
  return capture ? r.stdout : '';
}

/** The version of `name` pinned in the root Cargo.lock. */
function lockedVersion(name) {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const versions = [];
  for (const block of lock.split(/\n(?=\[\[package\]\])/)) {
    const n = /^name = "([^"]+)"$/m.exec(block);
    const v = /^version = "([^"]+)"$/m.exec(block);
    if (n && v && n[1] === name) versions.push(v[1]);
  }
  if (versions.length !== 1) {
    fail(`expected exactly one "${name}" package in Cargo.lock, found ${versions.length} (${versions.join(', ')})`);
  }
  return versions[0];
}

function replaceOnce(text, search, replacement, what) {
  const at = text.indexOf(search);
  if (at < 0 || text.indexOf(search, at + 1) >= 0) {
    fail(`${what}: expected exactly one occurrence of ${JSON.stringify(search)} in the generated glue; has wasm-bindgen changed?`);
  }
  return text.slice(0, at) + replacement + text.slice(at + search.length);
}

// ---------------------------------------------------------------------------

const pkgJson = JSON.parse(readFileSync(join(js, 'package.json'), 'utf8'));
const versionTs = readFileSync(join(js, 'src', 'version.ts'), 'utf8');
if (!versionTs.includes(`'${pkgJson.version}'`)) {
  fail(`src/version.ts does not say '${pkgJson.version}' (the version in package.json)`);
}

step('cargo: build reticent-wasm (wasm-release)');
// Panic messages keep the source path of the crate they come from. Without
// this, the shipped module would name the build machine's cargo directory
// (`/home/<user>/.cargo/registry/src/…`); with it, `cargo-registry/…`, the
// same on every machine.
const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
const remaps = [
  `--remap-path-prefix=${join(cargoHome, 'registry', 'src')}=cargo-registry`,
  `--remap-path-prefix=${join(cargoHome, 'git', 'checkouts')}=cargo-git`,
];
// The encoded form takes precedence over RUSTFLAGS, so any the caller set are carried over.
const { CARGO_ENCODED_RUSTFLAGS: encoded, RUSTFLAGS: flags } = process.env;
const callerFlags = encoded ? encoded.split('\x1f') : flags?.trim() ? flags.trim().split(/\s+/) : [];
run('cargo', ['build', '-p', 'reticent-wasm', '--target', 'wasm32-unknown-unknown', '--profile', 'wasm-release', '--locked'], {
  env: { ...process.env, CARGO_ENCODED_RUSTFLAGS: [...callerFlags, ...remaps].join('\x1f') },
});
const metadata = JSON.parse(run('cargo', ['metadata', '--format-version', '1', '--no-deps', '--locked'], { capture: true }));
const rawWasm = join(metadata.target_directory, 'wasm32-unknown-unknown', 'wasm-release', 'reticent_wasm.wasm');

step('wasm-bindgen: check the CLI version against Cargo.lock');
const wanted = lockedVersion('wasm-bindgen');
const cliVersion = run('wasm-bindgen', ['--version'], { capture: true }).trim();
if (cliVersion !== `wasm-bindgen ${wanted}`) {
  fail(
    `the wasm-bindgen CLI says "${cliVersion}" but Cargo.lock pins wasm-bindgen ${wanted}; ` +
      `the two must match exactly. Install it with: cargo install wasm-bindgen-cli --version ${wanted} (or run scripts/ensure-tools.sh)`,
  );
}
console.log(`${cliVersion} (matches Cargo.lock)`);

step('wasm-bindgen: generate the web glue');
rmSync(pkgDir, { recursive: true, force: true });
run('wasm-bindgen', ['--target', 'web', '--out-dir', pkgDir, '--out-name', 'reticent', rawWasm]);

// The glue falls back to `new URL('reticent_bg.wasm', import.meta.url)` when
// init() gets no module. Every entry passes the module explicitly, and that
// expression would make bundlers (webpack, Vite) emit the .wasm file next to
// the default entry, which already inlines it. Replace it with an error.
const gluePath = join(pkgDir, 'reticent.js');
let glue = readFileSync(gluePath, 'utf8');
glue = replaceOnce(
  glue,
  "new URL('reticent_bg.wasm', import.meta.url)",
  '(() => { throw new Error("reticent: the WebAssembly module must be passed to init()"); })()',
  'patching the default wasm URL',
);
writeFileSync(gluePath, glue);

step('wasm-opt: optimise for size');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const optWasm = join(dist, 'reticent_bg.wasm');
run(bin('wasm-opt'), [join(pkgDir, 'reticent_bg.wasm'), ...WASM_OPT_FLAGS, '-o', optWasm], { cwd: js });
const wasmBytes = readFileSync(optWasm);
if (!WebAssembly.validate(wasmBytes)) fail('the optimised module does not validate');
for (const local of [cargoHome, root]) {
  if (wasmBytes.includes(Buffer.from(local))) fail(`the optimised module names a path of this machine (${local})`);
}

step('inline: src/generated/wasm-inline.ts');
mkdirSync(generated, { recursive: true });
// Deflated before base64: base64 of the raw module gzips a quarter larger
// than the module itself; base64 of the deflated one, about as small
// (src/wasm/inflate.ts).
const wasmDeflated = deflateSync(wasmBytes, { level: 9 });
writeFileSync(
  join(generated, 'wasm-inline.ts'),
  '// Generated by build.mjs from dist/reticent_bg.wasm; do not edit.\n\n' +
    '/** The optimised WebAssembly module, compressed (zlib, level 9), base64-encoded. */\n' +
    `export const wasmDeflated: string = ${JSON.stringify(wasmDeflated.toString('base64'))};\n` +
    '/** The module\'s size in bytes, once inflated. */\n' +
    `export const wasmSize: number = ${wasmBytes.length};\n`,
);

step('esbuild: bundles');
const common = {
  bundle: true,
  platform: 'browser',
  target: 'es2020',
  minify: true,
  tsconfig: join(js, 'tsconfig.build.json'),
  // The same module names that tsconfig.build.json maps for type-checking.
  alias: {
    'reticent-wasm-glue': './pkg/reticent.js',
    'reticent-wasm-inline': './src/generated/wasm-inline.ts',
    'reticent-worker-inline': './src/generated/worker-inline.ts',
  },
  logLevel: 'warning',
  legalComments: 'none',
  absWorkingDir: js,
};

// The compression worker: the same glue and a few lines (worker/compress-worker.ts),
// bundled into one classic script that every entry inlines as a string and
// starts from a blob: URL, posting it the module the page compiled.
{
  const result = await build({ ...common, entryPoints: ['src/worker/compress-worker.ts'], format: 'iife', write: false }).catch(() =>
    fail('esbuild failed to build the compression worker'),
  );
  if (result.warnings.length > 0) fail('esbuild warned while building the compression worker; warnings fail the build');
  const source = result.outputFiles[0].text;
  if (source.includes('import.meta')) fail('the compression worker mentions import.meta');
  writeFileSync(
    join(generated, 'worker-inline.ts'),
    '// Generated by build.mjs from src/worker/compress-worker.ts; do not edit.\n\n' +
      '/** The compression worker\'s script (src/worker/compress-worker.ts with the glue, bundled). */\n' +
      `export const workerSource: string = ${JSON.stringify(source)};\n`,
  );
  console.log(`compression worker: ${source.length} bytes (inlined into each entry)`);
}
const bundles = [
  { entryPoints: ['src/index.ts'], outfile: 'dist/reticent.mjs', format: 'esm' },
  { entryPoints: ['src/slim.ts'], outfile: 'dist/slim.mjs', format: 'esm' },
  { entryPoints: ['src/iife.ts'], outfile: 'dist/reticent.js', format: 'iife' },
];
for (const b of bundles) {
  const result = await build({ ...common, ...b }).catch(() => fail(`esbuild failed to build ${b.outfile}`));
  if (result.warnings.length > 0) fail(`esbuild warned while building ${b.outfile}; warnings fail the build`);
  const out = readFileSync(join(js, b.outfile), 'utf8');
  if (out.includes('import.meta')) fail(`${b.outfile} mentions import.meta; bundlers would rewrite it`);
  console.log(`${b.outfile} (${b.format})`);
}

step('tsc: type-check against the generated glue and emit .d.ts');
run(bin('tsc'), ['-p', 'tsconfig.build.json'], { cwd: js });
for (const entry of ['index.d.ts', 'slim.d.ts']) {
  try {
    statSync(join(dist, entry));
  } catch {
    fail(`tsc did not write dist/${entry}`);
  }
}
for (const file of listFiles(dist).filter((f) => f.endsWith('.d.ts'))) {
  if (/reticent-wasm-(glue|inline)/.test(readFileSync(file, 'utf8'))) {
    fail(`${relative(js, file)} refers to an internal module alias; published types must not`);
  }
}

step('sizes');
printSizes(['reticent_bg.wasm', 'reticent.mjs', 'slim.mjs', 'reticent.js']);

// ---------------------------------------------------------------------------

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function printSizes(names) {
  const rows = names.map((name) => {
    const bytes = readFileSync(join(dist, name));
    return [`dist/${name}`, bytes.length, gzipSync(bytes, { level: 9 }).length];
  });
  const header = ['file', 'raw bytes', 'gzip -9 bytes'];
  const width = [0, 1, 2].map((i) => Math.max(header[i].length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(width[i]) : String(c).padStart(width[i]))).join('  ');
  console.log(line(header));
  console.log(width.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
