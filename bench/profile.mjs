// Where Reticent's main-thread time goes: Chromium's sampling CPU profiler
// (CDP Profiler) on the bench's large page, during the full snapshot and
// during the scripted activity, with the WebAssembly module's function names
// (the shipped module's twin optimised with -g, loaded through the slim entry).
// Writes bench/results/profile.md. Not part of scripts/bench.sh:
//
//   node bench/profile.mjs            (after bash scripts/bench.sh installed and built everything)
//   PROFILE_SECONDS=15 (default)      seconds of scripted activity
//   PROFILE_RAW_DIR=/tmp/prof         also writes the raw profiles (snapshot/activity.cpuprofile) there
//   PROFILE_DIST=/tmp/old-dist        counts the calls of another build's js/dist (slim.mjs and reticent_bg.wasm)
//                                     instead of this one's, to compare two builds (the profile is of this one)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { headFor } from './lib/harness.mjs';
import { frameHtml, largePageHtml, PRODUCT_SVG } from './lib/page.mjs';
import { startBenchServer } from './lib/server.mjs';
import { buildNamedWasm } from './lib/sizes.mjs';
import { CHROMIUM_ARGS } from './run.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');
const buildDir = join(benchDir, '.build');
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 15);
const TOP = 30;

/** Self time (ms) per function of a CDP profile, and per kind (wasm, recorder JS, page, V8 and Blink). */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const f = node.callFrame;
    const url = f.url || '';
    const kind = url.startsWith('wasm://') || url.endsWith('.wasm') ? 'wasm'
      : url.includes('slim.mjs') ? 'reticent JS (slim.mjs)'
      : url.includes('.html') ? 'page and harness scripts'
      : url === '' ? (f.functionName.startsWith('(') ? f.functionName : /^(wasm-to-js|js-to-wasm)/.test(f.functionName) ? 'JS ↔ wasm wrappers' : 'native (DOM, V8 builtins)')
      : 'other JS (Playwright\'s injected scripts)';
    const name = kind === 'wasm' ? f.functionName.replace(/::h[0-9a-f]{16}$/, '') : url ? `${f.functionName || '(anonymous)'} ${url.split('/').pop()}:${f.lineNumber + 1}` : f.functionName || '(anonymous)';
    const key = `${kind}\t${name}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const rows = [...self.entries()].map(([k, ms]) => {
    const [kind, name] = k.split('\t');
    return { kind, name, ms };
  });
  const kinds = {};
  for (const r of rows) kinds[r.kind] = (kinds[r.kind] ?? 0) + r.ms;
  return { rows: rows.sort((a, b) => b.ms - a.ms), kinds };
}

/**
 * Calls from the module into JS during the full snapshot, per import
 * (wasm-bindgen's `__wbg_*` glue), counted with V8's precise coverage on a
 * fresh page. Unlike times, the counts are the same on every run of a build
 * (but for the slices' clock reads), so they show what a change to the
 * crossings did where the times are noise.
 */
function countRoutes(dist) {
  const head = headFor('reticent', 'count').replace(
    '<script src="/dist/reticent.js"></script>',
    '<script type="module">import { init } from "/count/slim.mjs"; self.Reticent = { init: (o) => init({ ...o, wasmUrl: "/count/reticent_bg.wasm" }) }; self.__slimReady = true;</script>',
  );
  return {
    '/count.html': { body: largePageHtml(head) },
    '/count/slim.mjs': { file: join(dist, 'slim.mjs') },
    '/count/reticent_bg.wasm': { file: join(dist, 'reticent_bg.wasm') },
  };
}

async function countCalls(browser, server) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await page.goto(`${server.origin}/count.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => self.__slimReady && document.getElementById('help-frame').contentDocument?.getElementById('frame-status'));
    const elements = await page.evaluate(() => {
      const frame = document.getElementById('help-frame').contentDocument;
      const shadow = document.getElementById('shadow-host').shadowRoot;
      return document.getElementsByTagName('*').length + frame.getElementsByTagName('*').length + shadow.querySelectorAll('*').length;
    });
    await page.evaluate(() => window.__harness.setup());
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    await page.evaluate(() => window.__harness.start());
    const { result } = await cdp.send('Profiler.takePreciseCoverage');
    await cdp.send('Profiler.stopPreciseCoverage');
    const counts = new Map();
    for (const script of result.filter((s) => s.url.endsWith('/count/slim.mjs'))) {
      for (const f of script.functions) {
        const m = /^__wbg_(.+)_[0-9a-f]{16}$/.exec(f.functionName);
        if (m && f.ranges[0].count > 0) counts.set(m[1], (counts.get(m[1]) ?? 0) + f.ranges[0].count);
      }
    }
    return { counts: [...counts.entries()].sort((a, b) => b[1] - a[1]), elements };
  } finally {
    await context.close();
  }
}

function callTable({ counts, elements }) {
  const total = counts.reduce((n, [, c]) => n + c, 0);
  const L = [
    '## Calls from the module into JS during the full snapshot',
    '',
    'Counted with V8\'s precise coverage (call counts of wasm-bindgen\'s `__wbg_*` glue, one per import) on a fresh page, '
      + 'from grantConsent to the snapshot at the transport. A build gives the same counts on every run but for the slices\' '
      + 'clock reads (`now`), so they show what a change to the crossings did where the times are noise. Imports wasm-bindgen '
      + 'calls without glue (the mirror\'s `reticent_mirror_set`, one per node) are not counted. '
      + `${total.toLocaleString('en')} calls in all, for ${elements.toLocaleString('en')} elements.`,
    '',
    '| import | calls |',
    '|---|---:|',
  ];
  for (const [name, c] of counts.slice(0, 20)) L.push(`| \`${name}\` | ${c.toLocaleString('en')} |`);
  L.push('');
  return L.join('\n');
}

function table(title, { rows, kinds }, note) {
  const L = [`## ${title}`, '', note, '', '| kind | self time (ms) |', '|---|---:|'];
  for (const [k, ms] of Object.entries(kinds).sort((a, b) => b[1] - a[1])) L.push(`| ${k} | ${ms.toFixed(1)} |`);
  L.push('', `Top ${TOP} functions by self time, outside the idle and program buckets:`, '', '| function | kind | self (ms) |', '|---|---|---:|');
  for (const r of rows.filter((r) => !['(idle)', '(program)'].includes(r.kind)).slice(0, TOP)) {
    L.push(`| \`${r.name.replace(/\|/g, '\\|').slice(0, 140)}\` | ${r.kind} | ${r.ms.toFixed(1)} |`);
  }
  L.push('');
  return L.join('\n');
}

async function main() {
  const named = buildNamedWasm(repoRoot, buildDir);
  if (!named) throw new Error('could not build the named module: run `bash scripts/bench.sh` (or `node js/build.mjs`) first');
  const run = 'profile';
  // The harness expects `Reticent.init`: give it the slim entry with the named module.
  const head = headFor('reticent', run).replace(
    '<script src="/dist/reticent.js"></script>',
    '<script type="module">import { init } from "/dist/slim.mjs"; self.Reticent = { init: (o) => init({ ...o, wasmUrl: "/named.wasm" }) }; self.__slimReady = true;</script>',
  );
  const routes = {
    '/profile.html': { body: largePageHtml(head) },
    '/frame.html': { body: frameHtml() },
    '/img/product.svg': { body: PRODUCT_SVG },
    '/dist/slim.mjs': { file: join(repoRoot, 'js', 'dist', 'slim.mjs') },
    '/named.wasm': { file: named },
    ...countRoutes(process.env.PROFILE_DIST ? resolve(process.env.PROFILE_DIST) : join(repoRoot, 'js', 'dist')),
  };
  const server = await startBenchServer(routes);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  let snapshot;
  let activity;
  let calls;
  try {
    calls = await countCalls(browser, server);
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await page.goto(`${server.origin}/profile.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => self.__slimReady && document.getElementById('help-frame').contentDocument?.getElementById('frame-status'));
    await page.evaluate(() => window.__harness.setup());
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await sleep(300);
    await cdp.send('Profiler.start');
    await page.evaluate(() => window.__harness.start());
    snapshot = (await cdp.send('Profiler.stop')).profile;
    await sleep(500);
    await cdp.send('Profiler.start');
    await page.evaluate(() => window.__bench.start());
    const FIELDS = ['first-name', 'last-name', 'email', 'phone', 'street', 'city'];
    const t0 = Date.now();
    for (let i = 0; i < SECONDS; i++) {
      for (let k = 0; k < 8; k++) await page.mouse.move(60 + ((i * 97 + k * 131) % 1100), 60 + ((i * 53 + k * 71) % 600), { steps: 5 });
      await page.mouse.wheel(0, i % 8 < 4 ? 700 : -700);
      if (i % 2 === 0) {
        await page.focus(`#f-${FIELDS[(i / 2) % FIELDS.length]}`);
        await page.keyboard.type(`ab ${i % 10}x7z`, { delay: 15 });
      }
      const wait = t0 + (i + 1) * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await page.evaluate(() => window.__bench.stop());
    await page.evaluate(() => window.__harness.flush());
    activity = (await cdp.send('Profiler.stop')).profile;
    const errors = await page.evaluate(() => window.__reticentErrors ?? []);
    if (errors.length) throw new Error(`recorder errors: ${errors.join('; ')}`);
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
  const md = [
    '# Where Reticent\'s main-thread time goes (CPU profile)',
    '',
    `Generated by \`node bench/profile.mjs\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: Chromium's sampling profiler (100 µs) on the bench's large page, `
      + 'Reticent loaded through the slim entry with the shipped module\'s twin that keeps function names (`wasm-opt -Oz -g`). '
      + 'Self time is per function (not including callees); wasm function names lose their hash suffix. One run on a shared 2-core machine: read proportions, not absolutes.',
    '',
    table('Full snapshot (grantConsent → first batch at the transport; no flush forced, as on a site)', selfTimes(snapshot), 'Includes the slices of the walk and the encoding of the batch (`takeBatch`).'),
    callTable(calls),
    table(`Scripted activity (${SECONDS} s, the mutation workload running)`, selfTimes(activity), 'The page\'s own work is in this profile too: its mutation script ("page and harness scripts"), and DOM calls it makes (`insertBefore`, `removeChild`, `createElement`, `setAttribute`) among the native rows. Style, layout and paint are in "(program)". `decode` is `TextDecoder.decode` (strings from wasm to JS); `__wbg_*` are wasm-bindgen\'s glue for each DOM call the module makes.'),
  ].join('\n');
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(join(benchDir, 'results', 'profile.md'), md);
  if (process.env.PROFILE_RAW_DIR) {
    // The raw CDP profiles (call trees with callers), for a closer look in DevTools or a script.
    mkdirSync(process.env.PROFILE_RAW_DIR, { recursive: true });
    writeFileSync(join(process.env.PROFILE_RAW_DIR, 'snapshot.cpuprofile'), JSON.stringify(snapshot));
    writeFileSync(join(process.env.PROFILE_RAW_DIR, 'activity.cpuprofile'), JSON.stringify(activity));
  }
  process.stderr.write('wrote bench/results/profile.md\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
