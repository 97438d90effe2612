// What a site loads, gzip'd at level 9 (as `gzip -9`), for each Reticent entry
// point and for rrweb's record bundle plus the fflate functions it needs; and
// where the bytes go (esbuild metafile inputs, wasm sections, twiggy).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { wasmSections, wasmSizes } from '../wasm-sizes.mjs';

const gz = (buf) => gzipSync(buf, { level: 9 }).byteLength;

/** Builds the vendor files the rrweb pages load into `buildDir`; returns their paths. */
export async function buildVendor(benchDir, buildDir) {
  const require = createRequire(join(benchDir, 'package.json'));
  const { build } = require('esbuild');
  mkdirSync(buildDir, { recursive: true });
  // fflate as a site ships it: only gzipSync and strToU8, minified.
  const fflatePath = join(buildDir, 'fflate-gzip.js');
  await build({
    stdin: { contents: "export { gzipSync, strToU8 } from 'fflate';", resolveDir: benchDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'fflate',
    target: 'es2020',
    outfile: fflatePath,
    logLevel: 'warning',
    legalComments: 'none',
  });
  const rrwebUmd = join(benchDir, 'node_modules', '@rrweb', 'record', 'umd', 'record.min.js');
  return { fflatePath, rrwebUmd };
}

/** esbuild metafile of a bundle: its output size and its inputs by bytes in the output, largest first. */
async function analyse(build, options) {
  const result = await build({ ...options, bundle: true, minify: true, write: false, metafile: true, logLevel: 'error', legalComments: 'none' });
  const out = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(out.inputs)
    .map(([path, v]) => ({ path: path.replace(/^.*node_modules\//, ''), bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  const text = result.outputFiles[0].contents;
  return { bytes: text.byteLength, gzip: gz(text), inputs };
}

/** `twiggy top -n 25` of a module (its text), or why it could not run. */
export function twiggyTop(wasmPath) {
  const r = spawnSync('twiggy', ['top', '-n', '25', wasmPath], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { ok: false, why: r.error ? r.error.message : r.stderr.trim().slice(0, 300) };
  return { ok: true, text: r.stdout };
}

/**
 * The shipped module's twin with function names: wasm-bindgen's output
 * (js/pkg) optimised like js/build.mjs does, but with `-g`. Same code, so
 * it works with the same glue; for twiggy and CPU profiles. Its path, or
 * undefined when it cannot be built.
 */
export function buildNamedWasm(repoRoot, buildDir) {
  const jsDir = join(repoRoot, 'js');
  const wasmOpt = join(jsDir, 'node_modules', '.bin', 'wasm-opt');
  const named = join(buildDir, 'reticent_bg.named.wasm');
  mkdirSync(buildDir, { recursive: true });
  const flags = ['-Oz', '-g', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue', '--strip-producers'];
  const opt = spawnSync(wasmOpt, [join(jsDir, 'pkg', 'reticent_bg.wasm'), ...flags, '-o', named], { encoding: 'utf8' });
  return !opt.error && opt.status === 0 ? named : undefined;
}

/** Every size figure of the report. */
export async function measureSizes({ repoRoot, benchDir, buildDir, vendor }) {
  const require = createRequire(join(benchDir, 'package.json'));
  const { build } = require('esbuild');
  const dist = join(repoRoot, 'js', 'dist');
  const read = (p) => readFileSync(p);
  const wasm = read(join(dist, 'reticent_bg.wasm'));
  const file = (label, paths) => {
    const parts = paths.map((p) => ({ file: p.replace(repoRoot + '/', '').replace(/^.*node_modules\//, ''), bytes: read(p).byteLength, gzip: gz(read(p)) }));
    return { label, bytes: parts.reduce((n, p) => n + p.bytes, 0), gzip: parts.reduce((n, p) => n + p.gzip, 0), parts };
  };
  const entries = [
    file('reticent (default ESM, wasm inlined): reticent.mjs', [join(dist, 'reticent.mjs')]),
    file('reticent/slim: slim.mjs + reticent_bg.wasm', [join(dist, 'slim.mjs'), join(dist, 'reticent_bg.wasm')]),
    file('reticent script tag (IIFE, wasm inlined): reticent.js', [join(dist, 'reticent.js')]),
    file('rrweb: @rrweb/record umd/record.min.js + fflate (gzipSync, strToU8)', [vendor.rrwebUmd, vendor.fflatePath]),
  ];

  // Where the JS bytes go: the bundles rebuilt with a metafile.
  const jsDir = join(repoRoot, 'js');
  const reticentSlim = await analyse(build, {
    entryPoints: [join(jsDir, 'src', 'slim.ts')],
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    tsconfig: join(jsDir, 'tsconfig.build.json'),
    alias: { 'reticent-wasm-glue': './pkg/reticent.js', 'reticent-wasm-inline': './src/generated/wasm-inline.ts' },
    absWorkingDir: jsDir,
  });
  const reticentDefault = await analyse(build, {
    entryPoints: [join(jsDir, 'src', 'index.ts')],
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    tsconfig: join(jsDir, 'tsconfig.build.json'),
    alias: { 'reticent-wasm-glue': './pkg/reticent.js', 'reticent-wasm-inline': './src/generated/wasm-inline.ts' },
    absWorkingDir: jsDir,
  });
  const rrwebEsm = await analyse(build, {
    stdin: { contents: "export { record } from '@rrweb/record'; export { gzipSync, strToU8 } from 'fflate';", resolveDir: benchDir, loader: 'js' },
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
  });
  const sections = wasmSections(wasm);
  const twiggy = twiggyTop(join(dist, 'reticent_bg.wasm'));
  // The shipped module has no names; optimise wasm-bindgen's output again the
  // same way but keeping them (-g), so twiggy can name the functions.
  let twiggyNamed = { ok: false, why: 'js/pkg/reticent_bg.wasm or wasm-opt missing' };
  const named = buildNamedWasm(repoRoot, buildDir);
  if (named) twiggyNamed = twiggyTop(named);
  // Per crate, with no tool to install (bench/wasm-sizes.mjs).
  const perCrate = named ? wasmSizes(readFileSync(named), 15) : undefined;
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(join(buildDir, 'sizes.json'), JSON.stringify({ entries, sections }, null, 1));
  return {
    entries,
    wasm: { bytes: wasm.byteLength, gzip: gz(wasm), sections },
    twiggy,
    twiggyNamed,
    perCrate,
    modules: {
      reticentSlim: { bytes: reticentSlim.bytes, gzip: reticentSlim.gzip, inputs: reticentSlim.inputs.slice(0, 15) },
      reticentDefault: { bytes: reticentDefault.bytes, gzip: reticentDefault.gzip, inputs: reticentDefault.inputs.slice(0, 8) },
      rrwebEsm: { bytes: rrwebEsm.bytes, gzip: rrwebEsm.gzip, inputs: rrwebEsm.inputs.slice(0, 15) },
    },
  };
}
