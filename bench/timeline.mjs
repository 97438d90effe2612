// Where the full snapshot's wall time goes: a Chromium trace (CDP Tracing) of
// Reticent's snapshot on the bench's large page, cut into its phases on the
// page's main thread and in the compression worker. Writes
// bench/results/timeline.md. Not part of scripts/bench.sh:
//
//   node bench/timeline.mjs           (after bash scripts/bench.sh installed and built everything)
//   TIMELINE_RUNS=8 (default)         runs, each on a fresh page; the table gives medians
//   TIMELINE_DIST=/tmp/old-dist       traces another build's js/dist (reticent.js) instead of this one's
//
// The bench's snapshot figure ends when the snapshot reaches the `transport`
// hook; this splits it: the task that grants consent (and walks the first
// slice), the other slices, the encoding (takeRawBatch), the wait for the
// worker's gzip, and the main thread's idle time. Thread CPU time (`tdur`)
// is given next to wall time where it differs: on a loaded 2-core machine a
// task can wait for a core.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { headFor } from './lib/harness.mjs';
import { frameHtml, largePageHtml, PRODUCT_SVG } from './lib/page.mjs';
import { startBenchServer } from './lib/server.mjs';
import { CHROMIUM_ARGS } from './run.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');
const RUNS = Number(process.env.TIMELINE_RUNS ?? 8);
const dist = process.env.TIMELINE_DIST ? resolve(process.env.TIMELINE_DIST) : join(repoRoot, 'js', 'dist');
const MARK = 'reticent-bench-consent';
const ms = (us) => us / 1000;

/** Complete (`X`) events of one traced snapshot, by thread. */
function threads(events) {
  const names = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
  const key = (e) => `${e.pid}:${e.tid}`;
  const mark = events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === MARK);
  if (!mark) throw new Error('no consent mark in the trace');
  const main = key(mark);
  const worker = [...names.entries()].filter(([, n]) => n === 'DedicatedWorker thread').map(([k]) => k);
  const complete = events.filter((e) => e.ph === 'X');
  // Top-level tasks only (the scheduler's task event; nested ones are parts of it).
  const tasks = (k) => complete.filter((e) => key(e) === k && e.name === 'ThreadControllerImpl::RunTask').sort((a, b) => a.ts - b.ts);
  return { mark, main: tasks(main), worker: worker.flatMap((k) => tasks(k)), complete, workerKeys: new Set(worker), key };
}

/** The phases of one run, in ms from the consent mark. */
function phases(events, snapshotMs) {
  const { mark, main, worker, complete, workerKeys, key } = threads(events);
  const t0 = mark.ts;
  const end = t0 + snapshotMs * 1000;
  const inSpan = main.filter((t) => t.ts + t.dur > t0 && t.ts < end);
  const consent = inSpan.find((t) => t.ts <= t0 && t.ts + t.dur >= t0) ?? inSpan[0];
  // The worker's messages: the module (init), then the batch (the last one before the hand-over).
  const messages = complete.filter((e) => workerKeys.has(key(e)) && e.name === 'HandlePostMessage' && e.ts < end).sort((a, b) => a.ts - b.ts);
  const gzip = messages.length >= 2 ? messages.at(-1) : undefined;
  // The encoding: the main-thread task that posted the batch, the last one
  // (of a millisecond or more) that started before the worker got it.
  const encode = gzip ? inSpan.filter((t) => t !== consent && t.ts < gzip.ts && t.dur >= 1000).at(-1) : undefined;
  const slices = inSpan.filter((t) => t !== consent && t !== encode && t.ts < (encode?.ts ?? end) && t.dur >= 3000);
  const busy = inSpan.reduce((n, t) => n + Math.min(t.ts + t.dur, end) - Math.max(t.ts, t0), 0);
  const firstWorker = worker.find((t) => t.ts >= t0);
  return {
    wall: snapshotMs,
    consent: ms(consent.ts + consent.dur - t0),
    consentCpu: ms(consent.tdur ?? consent.dur),
    slices: slices.length,
    slicesMs: ms(slices.reduce((n, t) => n + t.dur, 0)),
    slicesCpu: ms(slices.reduce((n, t) => n + (t.tdur ?? t.dur), 0)),
    walkEnd: ms((slices.at(-1) ?? consent).ts + (slices.at(-1) ?? consent).dur - t0),
    workerFirst: firstWorker ? ms(firstWorker.ts - t0) : NaN,
    workerInit: messages[0] ? ms(messages[0].ts - t0) : NaN,
    encodeAt: encode ? ms(encode.ts - t0) : NaN,
    encode: encode ? ms(encode.dur) : NaN,
    encodeCpu: encode ? ms(encode.tdur ?? encode.dur) : NaN,
    gzipAt: gzip ? ms(gzip.ts - t0) : NaN,
    gzip: gzip ? ms(gzip.dur) : NaN,
    gzipCpu: gzip ? ms(gzip.tdur ?? gzip.dur) : NaN,
    afterGzip: gzip ? ms(end - (gzip.ts + gzip.dur)) : NaN,
    mainBusy: ms(busy),
    mainIdle: snapshotMs - ms(busy),
  };
}

async function traceOnce(browser, server) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await context.newPage();
    await page.goto(`${server.origin}/timeline.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('help-frame').contentDocument?.getElementById('frame-status'));
    await page.evaluate(() => window.__harness.setup());
    await sleep(500);
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
    const complete = new Promise((done) => cdp.once('Tracing.tracingComplete', done));
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'] },
    });
    await sleep(100);
    const snap = await page.evaluate((mark) => {
      console.timeStamp(mark);
      return window.__harness.start();
    }, MARK);
    await sleep(200);
    await cdp.send('Tracing.end');
    await complete;
    const errors = await page.evaluate(() => window.__reticentErrors ?? []);
    if (errors.length) throw new Error(`recorder errors: ${errors.join('; ')}`);
    return phases(events, snap.snapshotMs);
  } finally {
    await context.close();
  }
}

const ROWS = [
  ['wall', 'Snapshot, consent → batch at the transport (the bench\'s figure)'],
  ['consent', 'Task that grants consent and walks the first slice (ends at)'],
  ['consentCpu', '… its CPU time'],
  ['slices', 'Further slices (tasks ≥ 3 ms before the encoding)'],
  ['slicesMs', '… their wall time'],
  ['slicesCpu', '… their CPU time'],
  ['walkEnd', 'Walk complete (end of the last slice)'],
  ['workerFirst', 'Compression worker: first task'],
  ['workerInit', 'Compression worker: module received and instantiated'],
  ['encodeAt', 'Encoding task (takeRawBatch, posted to the worker) starts'],
  ['encode', '… its wall time'],
  ['encodeCpu', '… its CPU time'],
  ['gzipAt', 'Worker starts the batch\'s gzip'],
  ['gzip', '… its wall time'],
  ['gzipCpu', '… its CPU time'],
  ['afterGzip', 'From the gzip\'s end to the transport hook (±2 ms: the page\'s clock against the trace\'s)'],
  ['mainBusy', 'Main thread busy during the snapshot'],
  ['mainIdle', 'Main thread idle during the snapshot'],
];
const AT = new Set(['consent', 'walkEnd', 'workerFirst', 'workerInit', 'encodeAt', 'gzipAt']);

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function table(runs, chromiumVersion) {
  const fmt = (k, x) => (Number.isFinite(x) ? (k === 'slices' ? x.toFixed(1) : `${AT.has(k) ? '+' : ''}${x.toFixed(1)}`) : '–');
  const L = [
    '# Where the full snapshot\'s wall time goes (trace)',
    '',
    `Generated by \`node bench/timeline.mjs\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Chromium ${chromiumVersion}: `
      + `a Chromium trace of Reticent's first snapshot on the bench's large page (the script-tag bundle, as in the bench), ${runs.length} runs on fresh pages. `
      + 'Times are ms; "+" marks a moment, from the consent mark (set in the same task, just before `grantConsent()`). '
      + 'Medians of each row taken separately, so rows need not add up. CPU is the thread\'s own time (`tdur`); a wall time above it waited for a core. '
      + 'One shared 2-core machine: read proportions, not absolutes.',
    '',
    '| phase | median | min | max |',
    '|---|---:|---:|---:|',
  ];
  for (const [k, label] of ROWS) {
    const v = runs.map((r) => r[k]).filter((x) => Number.isFinite(x));
    L.push(`| ${label} | ${fmt(k, median(v))} | ${fmt(k, Math.min(...v))} | ${fmt(k, Math.max(...v))} |`);
  }
  L.push('');
  return L.join('\n');
}

async function main() {
  const routes = {
    '/timeline.html': { body: largePageHtml(headFor('reticent', 'timeline')) },
    '/frame.html': { body: frameHtml() },
    '/img/product.svg': { body: PRODUCT_SVG },
    '/dist/reticent.js': { file: join(dist, 'reticent.js') },
  };
  const server = await startBenchServer(routes);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const runs = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const r = await traceOnce(browser, server);
      runs.push(r);
      process.stderr.write(`run ${i + 1}/${RUNS}: snapshot ${r.wall.toFixed(1)} ms (walk done +${r.walkEnd.toFixed(1)}, encode ${r.encode.toFixed(1)}, gzip ${r.gzip.toFixed(1)})\n`);
    }
    const md = table(runs, browser.version());
    mkdirSync(join(benchDir, 'results'), { recursive: true });
    writeFileSync(join(benchDir, 'results', 'timeline.md'), md);
    process.stderr.write('wrote bench/results/timeline.md\n');
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
