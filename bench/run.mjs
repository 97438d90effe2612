// The benchmark: Reticent against rrweb (defaults and strict privacy) and a
// no-recorder baseline, in one headless Chromium, configurations interleaved
// over several rounds. Writes bench/results/latest.json, then the report
// (docs/benchmarks.md and docs/benchmarks.svg) through report.mjs.
//
// Run it with `bash scripts/bench.sh` (which installs and builds what is
// missing). Environment:
//   BENCH_ROUNDS        rounds of every configuration (default 5)
//   BENCH_SECONDS       seconds of scripted activity per run (default 20)
//   BENCH_SOAK_SECONDS  seconds of the memory soak of reticent and rrweb strict (default 90; 0 skips; 600 for the 10-minute target)
//   BENCH_SOAK_CONFIGS  which configurations soak (default reticent,rrweb-strict)
//   BENCH_CONFIGS       comma-separated subset of the configurations
//   BENCH_DUMP_DIR=D    every POSTed body written to D (<run>-<n>.bin) for analysis
//   BENCH_RETICENT_B=D  a second build (a js/dist directory D) runs as configuration
//                       reticent-b, interleaved with reticent: an A/B of a change in one
//                       browser (BENCH_DRY=1 BENCH_CONFIGS=reticent,reticent-b)
//   BENCH_DRY=1         a trial: results and report go to bench/.build/ (dry.json, benchmarks.md, benchmarks.svg)
//   CHROMIUM_PATH       default /usr/bin/chromium
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { decodeMsgpack } from '../tests/e2e/lib/msgpack.mjs';
import { CONFIGS, RRWEB_OPTIONS, RRWEB_FLUSH_MS, headFor } from './lib/harness.mjs';
import { frameHtml, largePageHtml, PRODUCT_SVG } from './lib/page.mjs';
import { startBenchServer } from './lib/server.mjs';
import { analyseEncoding } from './lib/encoding.mjs';
import { attributeTasks } from './lib/attribution.mjs';
import { buildVendor, measureSizes } from './lib/sizes.mjs';
import { summarise, writeReport } from './report.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');
const buildDir = join(benchDir, '.build');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 90);
const SOAK_SAMPLE_SECONDS = 15;
const SOAK_CONFIGS = (process.env.BENCH_SOAK_CONFIGS ?? 'reticent,rrweb-strict').split(',');
const configs = process.env.BENCH_CONFIGS ? process.env.BENCH_CONFIGS.split(',') : CONFIGS;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const FIELDS = ['first-name', 'last-name', 'email', 'phone', 'street', 'city', 'postcode', 'coupon', 'card', 'notes-short'];

/**
 * The scripted activity: `seconds` slots of one second, each with 8 mouse
 * paths (5 steps each), a wheel scroll, and, every other second, typing 7
 * characters into a form field. Each slot waits for its second to end, so
 * every configuration gets the same input whatever its speed.
 */
async function drive(page, seconds) {
  const t0 = Date.now();
  let late = 0;
  for (let i = 0; i < seconds; i++) {
    for (let k = 0; k < 8; k++) {
      await page.mouse.move(60 + ((i * 97 + k * 131) % 1100), 60 + ((i * 53 + k * 71) % 600), { steps: 5 });
    }
    await page.mouse.wheel(0, i % 8 < 4 ? 700 : -700);
    if (i % 2 === 0) {
      await page.focus(`#f-${FIELDS[(i / 2) % FIELDS.length]}`);
      await page.keyboard.type(`ab ${i % 10}x7z`, { delay: 15 });
    }
    const wait = t0 + (i + 1) * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    else late++;
  }
  return { late };
}

const metric = (m, name) => m.metrics.find((x) => x.name === name)?.value ?? NaN;

/** Decodes the batches of one run: events, by type, and which batch held the FullSnapshot. */
function decodeBatches(kind, batches) {
  const perBatch = batches.map((b) => {
    const raw = gunzipSync(b.bytes);
    const events = kind === 'reticent' ? decodeMsgpack(raw).events : JSON.parse(raw.toString('utf8'));
    return { bytes: b.bytes.byteLength, raw: raw.byteLength, types: events.map((e) => e.type) };
  });
  return perBatch;
}

async function heap(cdp, page) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = await cdp.send('Runtime.getHeapUsage');
  const state = await page.evaluate(() => window.__harness.state());
  return { jsHeapUsed: usage.usedSize, wasmMemory: state.wasmMemoryBytes, total: usage.usedSize + state.wasmMemoryBytes };
}

let runCounter = 0;
/** The first counted full-snapshot batch of each recording configuration, for the encoding analysis. */
const captured = {};

async function openConfig(browser, server, name) {
  const run = `${name}-${++runCounter}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e.stack || e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  server.setPage(`/${run}.html`, largePageHtml(headFor(name, run)));
  const cdp = await context.newCDPSession(page);
  // Thread CPU time, not wall time: the machine is shared, and wall time would count waiting for a core.
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.goto(`${server.origin}/${run}.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.getElementById('help-frame').contentDocument?.getElementById('frame-status'));
  return { run, context, page, cdp, errors };
}

/**
 * With BENCH_DUMP_DIR set, every body a run POSTed is written there
 * (`<run>-<n>.bin`, as received) for offline analysis of the bytes.
 */
function dumpBatches(run, batches) {
  const dir = process.env.BENCH_DUMP_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  batches.forEach((b, i) => writeFileSync(join(dir, `${run}-${i}.bin`), b.bytes));
}

/** One run of configuration `name`: snapshot, scripted activity, flush, heap. */
async function runOnce(browser, server, name, seconds) {
  const { run, context, page, cdp, errors } = await openConfig(browser, server, name);
  const elements = await page.evaluate(() => {
    const frame = document.getElementById('help-frame').contentDocument;
    const shadow = document.getElementById('shadow-host').shadowRoot;
    return document.getElementsByTagName('*').length + frame.getElementsByTagName('*').length + shadow.querySelectorAll('*').length;
  });
  const setup = await page.evaluate(() => window.__harness.setup());
  await sleep(500);

  // Full snapshot: from start (record() / grantConsent()) to the snapshot encoded and handed over.
  const s0 = await cdp.send('Performance.getMetrics');
  const tSnap = await page.evaluate(() => performance.now());
  const snap = await page.evaluate(() => window.__harness.start());
  const s1 = await cdp.send('Performance.getMetrics');
  const snapshotTaskMs = (metric(s1, 'TaskDuration') - metric(s0, 'TaskDuration')) * 1000;
  await sleep(1000);

  // Scripted activity with the mutation workload running.
  const w0 = await cdp.send('Performance.getMetrics');
  const tStart = await page.evaluate(() => {
    window.__harness.bracket();
    window.__harness.start0 = performance.now();
    window.__bench.start();
    return window.__harness.start0;
  });
  const driven = await drive(page, seconds);
  const work = await page.evaluate(() => window.__bench.stop());
  const tEnd = await page.evaluate(() => performance.now());
  const w1 = await cdp.send('Performance.getMetrics');

  await page.evaluate(() => window.__harness.flush());
  const mem = await heap(cdp, page);
  const state = await page.evaluate(() => window.__harness.state());
  const reticentErrors = await page.evaluate(() => window.__reticentErrors ?? []);
  await page.evaluate(() => window.__harness.stop());
  await context.close();

  const longtasks = state.longtasks.filter((t) => t.start >= tStart && t.start <= tEnd);
  const over50 = longtasks.filter((t) => t.duration > 50);
  // Each task over 50 ms of the activity, split by the scripts that ran in it.
  const attributed = state.frames ? attributeTasks(over50, state.frames, state.observerSpans) : null;
  const kind = name.startsWith('reticent') ? 'reticent' : name === 'baseline' ? 'baseline' : 'rrweb';
  const batches = server.batches(run);
  dumpBatches(run, batches);
  if (kind !== 'baseline' && batches[0] && captured[name] === undefined) captured[name] = batches[0].bytes;
  server.forget(run);
  server.unsetPage(`/${run}.html`);
  const decoded = kind === 'baseline' ? [] : decodeBatches(kind, batches);
  const activity = decoded.slice(1);
  const result = {
    config: name,
    run,
    elements,
    initMs: setup.initMs,
    snapshotMs: snap.snapshotMs,
    snapshotTaskMs: kind === 'baseline' ? 0 : snapshotTaskMs,
    snapshotBytes: decoded[0]?.bytes ?? 0,
    snapshotHoldsFullSnapshot: kind === 'baseline' ? null : (decoded[0]?.types ?? []).includes(2),
    workloadSeconds: (tEnd - tStart) / 1000,
    taskMs: (metric(w1, 'TaskDuration') - metric(w0, 'TaskDuration')) * 1000,
    scriptMs: (metric(w1, 'ScriptDuration') - metric(w0, 'ScriptDuration')) * 1000,
    layoutMs: (metric(w1, 'LayoutDuration') - metric(w0, 'LayoutDuration')) * 1000,
    styleMs: (metric(w1, 'RecalcStyleDuration') - metric(w0, 'RecalcStyleDuration')) * 1000,
    longtaskMax: longtasks.reduce((m, t) => Math.max(m, t.duration), 0),
    longtasksOver50: over50.length,
    // NaN where the browser has no long-animation-frame entries to attribute them.
    longtasksRecorder: attributed ? attributed.filter((t) => t.recorders).length : NaN,
    longtaskRecorderMs: attributed ? attributed.reduce((m, t) => Math.max(m, t.recorderMs), 0) : NaN,
    longtaskDetail: attributed ?? [],
    // Tasks from consent (or record()) to the activity; those before are the
    // end of the page's load (the baseline page has it too) and init().
    snapshotLongtaskMax: state.longtasks.filter((t) => t.start >= tSnap && t.start < tStart).reduce((m, t) => Math.max(m, t.duration), 0),
    setupLongtaskMax: state.longtasks.filter((t) => t.start < tSnap).reduce((m, t) => Math.max(m, t.duration), 0),
    batches: decoded.length,
    activityBytes: activity.reduce((n, b) => n + b.bytes, 0),
    activityRawBytes: activity.reduce((n, b) => n + b.raw, 0),
    totalBytes: decoded.reduce((n, b) => n + b.bytes, 0),
    events: decoded.reduce((n, b) => n + b.types.length, 0),
    activityEvents: activity.reduce((n, b) => n + b.types.length, 0),
    fullSnapshotsInActivity: activity.reduce((n, b) => n + b.types.filter((t) => t === 2).length, 0),
    eventTypes: decoded.flatMap((b) => b.types).reduce((m, t) => ((m[t] = (m[t] ?? 0) + 1), m), {}),
    heap: mem,
    frames: work.frames,
    domChanges: work.changes,
    lateSlots: driven.late,
    errors: [...errors, ...reticentErrors],
  };
  return result;
}

/** A long run: heap (after forced GC) every SOAK_SAMPLE_SECONDS while the activity goes on. */
async function soak(browser, server, name, seconds) {
  const { context, page, cdp, errors } = await openConfig(browser, server, name);
  await page.evaluate(() => window.__harness.setup());
  await page.evaluate(() => window.__harness.start());
  await page.evaluate(() => window.__bench.start());
  const samples = [];
  const t0 = Date.now();
  samples.push({ t: 0, ...(await heap(cdp, page)) });
  while ((Date.now() - t0) / 1000 < seconds) {
    await drive(page, SOAK_SAMPLE_SECONDS);
    samples.push({ t: Math.round((Date.now() - t0) / 1000), ...(await heap(cdp, page)) });
  }
  await page.evaluate(() => window.__bench.stop());
  await page.evaluate(() => window.__harness.stop());
  await context.close();
  return { config: name, seconds, samples, errors };
}

async function main() {
  const started = new Date();
  if (process.env.BENCH_ENCODING_ONLY === '1') return encodingOnly();
  const vendor = await buildVendor(benchDir, buildDir);
  const routes = {
    '/frame.html': { body: frameHtml() },
    '/img/product.svg': { body: PRODUCT_SVG },
    '/dist/reticent.js': { file: join(repoRoot, 'js', 'dist', 'reticent.js') },
    '/vendor/rrweb-record.min.js': { file: vendor.rrwebUmd },
    '/vendor/fflate-gzip.js': { file: vendor.fflatePath },
  };
  if (process.env.BENCH_RETICENT_B) routes['/dist-b/reticent.js'] = { file: join(resolve(process.env.BENCH_RETICENT_B), 'reticent.js') };
  const server = await startBenchServer(routes);
  server.setPage = (path, html) => (routes[path] = { body: html });
  server.unsetPage = (path) => delete routes[path];

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  const loadBefore = os.loadavg();
  const runs = [];
  const soaks = [];
  try {
    // A warm-up run of each configuration (compiles caches, warms the OS), not counted.
    for (const name of configs) {
      process.stderr.write(`warm-up ${name}\n`);
      await runOnce(browser, server, name, Math.min(3, SECONDS));
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, and the order rotates every round.
      const order = configs.map((_, i) => configs[(i + round) % configs.length]);
      for (const name of order) {
        const r = await runOnce(browser, server, name, SECONDS);
        r.round = round;
        runs.push(r);
        process.stderr.write(
          `round ${round + 1}/${ROUNDS} ${name.padEnd(14)} snapshot ${r.snapshotMs.toFixed(0)} ms, task ${r.taskMs.toFixed(0)} ms, ` +
            `longest ${r.longtaskMax.toFixed(0)} ms${r.longtaskDetail.length ? ` (${r.longtaskDetail.map((t) => `${t.duration.toFixed(0)} ms: recorder ${t.recorderMs.toFixed(0)}, page ${t.pageMs.toFixed(0)}, other ${t.otherMs.toFixed(0)}`).join('; ')})` : ''}, ${r.activityBytes} B, ${r.events} events, heap ${(r.heap.total / 1e6).toFixed(1)} MB` +
            `${r.errors.length ? `, ERRORS: ${r.errors.join(' | ')}` : ''}\n`,
        );
      }
    }
    // Added main-thread time: each run against the baseline of its own round.
    for (const r of runs) {
      const base = runs.find((b) => b.config === 'baseline' && b.round === r.round);
      r.addedTaskMs = base ? r.taskMs - base.taskMs : NaN;
      r.addedScriptMs = base ? r.scriptMs - base.scriptMs : NaN;
      r.bytesPerMinute = (r.activityBytes * 60) / r.workloadSeconds;
      r.heapTotal = r.heap.total;
      r.jsHeap = r.heap.jsHeapUsed;
      r.wasmMemory = r.heap.wasmMemory;
    }
    mkdirSync(join(benchDir, 'results'), { recursive: true });
    writeFileSync(join(benchDir, 'results', 'partial.json'), JSON.stringify({ runs }, null, 1));
    if (SOAK_SECONDS > 0) {
      for (const name of SOAK_CONFIGS.filter((c) => configs.includes(c))) {
        process.stderr.write(`soak ${name} ${SOAK_SECONDS} s\n`);
        try {
          soaks.push(await soak(browser, server, name, SOAK_SECONDS));
        } catch (err) {
          process.stderr.write(`soak ${name} failed: ${err.stack || err}\n`);
        }
      }
    }
  } finally {
    var chromiumVersion = browser.version();
    await browser.close();
    await server.close();
  }
  process.stderr.write('sizes\n');
  const sizes = await measureSizes({ repoRoot, benchDir, buildDir, vendor });
  const encoding = analyseEncoding(captured);
  const cpus = os.cpus();
  const result = {
    date: started.toISOString(),
    finished: new Date().toISOString(),
    chromium: chromiumVersion,
    node: process.version,
    machine: {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGB: Math.round(os.totalmem() / 1e9),
      os: `${os.type()} ${os.release()}`,
      loadavgBefore: loadBefore,
      loadavgAfter: os.loadavg(),
    },
    settings: { rounds: ROUNDS, seconds: SECONDS, soakSeconds: SOAK_SECONDS, soakConfigs: SOAK_CONFIGS, configs, rrwebOptions: RRWEB_OPTIONS, rrwebFlushMs: RRWEB_FLUSH_MS },
    summary: summarise(runs, SECONDS),
    runs,
    soaks,
    sizes,
    encoding,
  };
  if (process.env.BENCH_DRY === '1') {
    // A trial run: results and report go to bench/.build/, the committed ones stay.
    writeFileSync(join(buildDir, 'dry.json'), JSON.stringify(result, null, 1) + '\n');
    writeReport(result, repoRoot, buildDir);
    return;
  }
  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(result, null, 1) + '\n');
  process.stderr.write(`wrote bench/results/latest.json\n`);
  writeReport(result, repoRoot);
}

/**
 * BENCH_ENCODING_ONLY=1: one short run of each recording configuration, only
 * to capture its snapshot batch; the analysis is added to the existing
 * bench/results/latest.json, and the report rewritten.
 */
async function encodingOnly() {
  const { readFileSync } = await import('node:fs');
  const latestPath = join(benchDir, 'results', 'latest.json');
  const result = JSON.parse(readFileSync(latestPath, 'utf8'));
  const vendor = await buildVendor(benchDir, buildDir);
  const routes = {
    '/frame.html': { body: frameHtml() },
    '/img/product.svg': { body: PRODUCT_SVG },
    '/dist/reticent.js': { file: join(repoRoot, 'js', 'dist', 'reticent.js') },
    '/vendor/rrweb-record.min.js': { file: vendor.rrwebUmd },
    '/vendor/fflate-gzip.js': { file: vendor.fflatePath },
  };
  const server = await startBenchServer(routes);
  server.setPage = (path, html) => (routes[path] = { body: html });
  server.unsetPage = (path) => delete routes[path];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    for (const name of ['rrweb-defaults', 'rrweb-strict', 'reticent']) await runOnce(browser, server, name, 1);
  } finally {
    await browser.close();
    await server.close();
  }
  result.encoding = analyseEncoding(captured);
  writeFileSync(latestPath, JSON.stringify(result, null, 1) + '\n');
  process.stderr.write('added the encoding analysis to bench/results/latest.json\n');
  writeReport(result, repoRoot);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
