// Writes docs/benchmarks.md and docs/benchmarks.svg from a results object
// (bench/results/latest.json). Run alone to regenerate the report from the
// last results: `node bench/report.mjs`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** Median, min, max and count of every figure, per configuration. */
export function summarise(runs, nominalSeconds) {
  // Per minute of the *scripted* activity: the input script is fixed and the
  // page's frames stay about the same when a loaded machine stretches a run,
  // so dividing by the stretched wall time would only add noise.
  if (nominalSeconds) runs = runs.map((r) => ({ ...r, bytesPerMinute: (r.activityBytes * 60) / nominalSeconds }));
  const keys = ['initMs', 'snapshotMs', 'snapshotTaskMs', 'snapshotBytes', 'workloadSeconds', 'taskMs', 'scriptMs', 'layoutMs', 'styleMs', 'addedTaskMs', 'addedScriptMs', 'longtaskMax', 'longtasksOver50', 'longtasksRecorder', 'longtaskRecorderMs', 'activityBytes', 'bytesPerMinute', 'totalBytes', 'events', 'activityEvents', 'heapTotal', 'jsHeap', 'wasmMemory', 'frames', 'snapshotLongtaskMax', 'setupLongtaskMax'];
  const out = {};
  for (const cfg of [...new Set(runs.map((r) => r.config))]) {
    const rs = runs.filter((r) => r.config === cfg);
    out[cfg] = {};
    for (const k of keys) {
      const xs = rs.map((r) => r[k]).filter((x) => typeof x === 'number' && Number.isFinite(x));
      if (xs.length === 0) continue;
      out[cfg][k] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
    }
  }
  return out;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const LABEL = { baseline: 'baseline', 'rrweb-defaults': 'rrweb defaults', 'rrweb-strict': 'rrweb strict', reticent: 'Reticent' };

const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : '–');
const kb = (x) => (Number.isFinite(x) ? `${(x / 1024).toFixed(1)} KiB` : '–');
const mb = (x) => (Number.isFinite(x) ? `${(x / 1048576).toFixed(1)} MiB` : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
const times = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');

/** The figures of the main table: key in the summary, label, unit formatter, and whether the baseline has one. */
const FIGURES = [
  { key: 'snapshotMs', label: 'Full snapshot, start → encoded batch handed over (wall, ms)', f: (x) => fmt(x) },
  { key: 'snapshotTaskMs', label: 'Full snapshot, main-thread CPU (ms)', f: (x) => fmt(x) },
  { key: 'snapshotLongtaskMax', label: 'Longest task while snapshotting (ms)', f: (x) => fmt(x) },
  { key: 'setupLongtaskMax', label: 'Longest task before the snapshot: end of page load, init(), a 500 ms pause (ms)', f: (x) => fmt(x), base: true },
  { key: 'snapshotBytes', label: 'Full snapshot batch on the wire (gzip)', f: kb },
  { key: 'workloadSeconds', label: 'Activity wall time (s; the scripted input is fixed, a loaded machine stretches it)', f: (x) => fmt(x, 1), base: true },
  { key: 'taskMs', label: 'Main-thread CPU during the activity (ms, TaskDuration)', f: (x) => fmt(x), base: true },
  { key: 'scriptMs', label: 'Script time during the activity (ms, ScriptDuration; includes wasm)', f: (x) => fmt(x), base: true },
  { key: 'addedTaskMs', label: 'Added main-thread CPU vs baseline (ms, TaskDuration)', f: (x) => fmt(x) },
  { key: 'addedScriptMs', label: 'Added script time vs baseline (ms, ScriptDuration)', f: (x) => fmt(x) },
  { key: 'longtaskMax', label: 'Longest task during the activity (ms)', f: (x) => fmt(x), base: true },
  { key: 'longtasksOver50', label: 'Tasks over 50 ms during the activity', f: (x) => fmt(x), base: true },
  { key: 'longtasksRecorder', label: '… of them the recorder\'s (its scripts > 50 ms, or the task ≤ 50 ms without them)', f: (x) => fmt(x) },
  { key: 'longtaskRecorderMs', label: '… most recorder script time within one of them (ms)', f: (x) => fmt(x) },
  { key: 'frames', label: 'Animation frames the page completed (its own workload)', f: (x) => fmt(x), base: true },
  { key: 'bytesPerMinute', label: 'Bytes on the wire per minute of activity (gzip)', f: kb },
  { key: 'totalBytes', label: 'Bytes on the wire, whole run (snapshot + activity)', f: kb },
  { key: 'events', label: 'Events recorded (whole run)', f: (x) => fmt(x) },
  { key: 'jsHeap', label: 'JS heap after the run (forced GC)', f: mb, base: true },
  { key: 'wasmMemory', label: 'WebAssembly memory after the run', f: mb },
  { key: 'heapTotal', label: 'JS heap + WebAssembly memory', f: mb, base: true },
  { key: 'initMs', label: 'init() before consent: module instantiation (ms)', f: (x) => fmt(x, 1) },
];

/** The ratios the chart shows (Reticent ÷ rrweb), with the target where the issue sets one. */
const CHART = [
  { key: 'snapshotMs', label: 'Full snapshot time (wall)', target: 0.5 },
  { key: 'snapshotTaskMs', label: 'Full snapshot main-thread CPU', target: 0.5 },
  { key: 'addedTaskMs', label: 'Added main-thread CPU', target: 0.5 },
  { key: 'addedScriptMs', label: 'Added script time', target: 0.5 },
  { key: 'bytesPerMinute', label: 'Bytes per minute of activity', target: 0.5 },
  { key: 'totalBytes', label: 'Bytes, whole session', target: 0.5 },
  { key: 'heapTotal', label: 'Memory after run (JS + wasm)' },
  { key: 'bundle', label: 'What a site loads (gzip, slim + wasm)', target: 1 },
];

function cell(summary, cfg, fig) {
  const s = summary[cfg]?.[fig.key];
  if (!s) return '–';
  if (s.n === 1 || fig.f(s.min) === fig.f(s.max)) return fig.f(s.median);
  return `${fig.f(s.median)} (${fig.f(s.min)}–${fig.f(s.max)})`;
}

function med(summary, cfg, key) {
  return summary[cfg]?.[key]?.median ?? NaN;
}

function bundleRatios(sizes) {
  const rr = sizes.entries.find((e) => e.label.startsWith('rrweb'));
  return sizes.entries.filter((e) => e !== rr).map((e) => ({ label: e.label, gzip: e.gzip, ratio: e.gzip / rr.gzip }));
}

/**
 * Reticent ÷ rrweb strict of `key` within each round (the two ran minutes
 * apart at most, so a slow spell of the machine weighs on both): median,
 * min and max over the rounds.
 */
function perRound(runs, key) {
  const rounds = new Map();
  for (const x of runs) {
    if (x.round === undefined) continue;
    if (!rounds.has(x.round)) rounds.set(x.round, {});
    rounds.get(x.round)[x.config] = x[key];
  }
  const ratios = [...rounds.values()].map((v) => ratio(v.reticent, v['rrweb-strict'])).filter(Number.isFinite);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

function soakLine(s) {
  const first = s.samples[0];
  const second = s.samples[Math.min(1, s.samples.length - 1)];
  const last = s.samples[s.samples.length - 1];
  // Growth after the first sample interval (the first one includes the warm-up of caches).
  const growth = last.total - second.total;
  const minutes = (last.t - second.t) / 60;
  const perMinute = minutes > 0 ? growth / minutes : NaN;
  return { first, second, last, growth, perMinute };
}

export function buildMarkdown(r) {
  const S = summarise(r.runs, r.settings.seconds);
  const cfgs = r.settings.configs;
  const have = (c) => cfgs.includes(c);
  const L = [];
  L.push('# Benchmarks: Reticent against rrweb');
  L.push('');
  L.push('<!-- Generated by bench/report.mjs from bench/results/latest.json; rerun with `bash scripts/bench.sh`. -->');
  L.push('');
  L.push(`Run on **${r.date.slice(0, 16).replace('T', ' ')} UTC**, Chromium **${r.chromium}** (headless, via playwright-core), Node ${r.node}, `
    + `${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGB} GB RAM, ${r.machine.os}. `
    + `${r.settings.rounds} rounds of each configuration, interleaved (the order rotates every round), ${r.settings.seconds} s of scripted activity per run; `
    + `medians, with min–max in parentheses.`);
  L.push('');
  L.push(`> **Noise.** This machine has ${r.machine.cores} cores, shared with other engineers' builds and tests `
    + `(load average ${r.machine.loadavgBefore.map((x) => x.toFixed(1)).join(' / ')} before, ${r.machine.loadavgAfter.map((x) => x.toFixed(1)).join(' / ')} after). `
    + 'Main-thread figures are CPU time of the renderer\'s main thread (CDP `Performance` metrics in the `threadTicks` domain), which '
    + 'waiting for a core does not inflate, but caches and frequency scaling still do; wall-clock figures (snapshot time) are noisier. '
    + 'Read differences under ~20 % as noise. The raw figures of every run are in `bench/results/latest.json`.');
  L.push('');
  L.push('## Headline');
  L.push('');
  const rs = (k) => ratio(med(S, 'reticent', k), med(S, 'rrweb-strict', k));
  const rd = (k) => ratio(med(S, 'reticent', k), med(S, 'rrweb-defaults', k));
  L.push('| figure | ' + cfgs.map((c) => LABEL[c] ?? c).join(' | ') + ' | Reticent ÷ rrweb strict | Reticent ÷ rrweb defaults |');
  L.push('|---|' + cfgs.map(() => '---:').join('|') + '|---:|---:|');
  for (const fig of FIGURES) {
    const row = cfgs.map((c) => (c === 'baseline' && !fig.base ? '–' : cell(S, c, fig)));
    const showRatio = !['frames', 'longtasksOver50', 'longtasksRecorder', 'longtaskRecorderMs', 'initMs', 'wasmMemory', 'snapshotLongtaskMax', 'setupLongtaskMax', 'longtaskMax', 'workloadSeconds'].includes(fig.key);
    L.push(`| ${fig.label} | ${row.join(' | ')} | ${showRatio ? times(rs(fig.key)) : '–'} | ${showRatio ? times(rd(fig.key)) : '–'} |`);
  }
  L.push('');
  L.push(`Large page: ${fmt(r.runs[0]?.elements)} elements (main document, open shadow root and same-origin iframe together). `
    + 'Bytes are the gzip\'d request bodies the bench server received; events are counted by decoding them (Reticent: gunzip + MessagePack; rrweb: gunzip + JSON).');
  L.push('');

  // Bundle sizes.
  L.push('## What a site loads');
  L.push('');
  L.push('| entry | raw | gzip -9 | ÷ rrweb record + fflate |');
  L.push('|---|---:|---:|---:|');
  const rr = r.sizes.entries.find((e) => e.label.startsWith('rrweb'));
  for (const e of r.sizes.entries) {
    L.push(`| ${e.label} | ${kb(e.bytes)} | ${kb(e.gzip)} | ${times(e.gzip / rr.gzip)} |`);
  }
  L.push('');
  L.push(`The rrweb row is the package's own minified script-tag bundle (\`@rrweb/record/umd/record.min.js\`) plus fflate's \`gzipSync\` and \`strToU8\` `
    + `bundled and minified with esbuild, as a site ships them. Bundled as ESM with esbuild instead (\`import { record } from '@rrweb/record'\` + fflate), rrweb weighs ${kb(r.sizes.modules.rrwebEsm.gzip)} gzip. `
    + `Reticent's WebAssembly module alone is ${kb(r.sizes.wasm.bytes)} raw, ${kb(r.sizes.wasm.gzip)} gzip; the default and script-tag entries inline it deflated (zlib level 9) and then base64'd, which gzip leaves at about the size of the gzip'd binary (base64 of the raw module would gzip a quarter larger).`);
  L.push('');

  // Targets.
  L.push('## Targets (issue 8): where we stand');
  L.push('');
  L.push('| target | measured | status |');
  L.push('|---|---|---|');
  // A difference against the baseline whose per-round range is wider than
  // its median (it even goes below zero) is noise, not a measurement.
  const noisy = (cfg, k) => {
    const f = S[cfg]?.[k];
    return f !== undefined && (f.min < 0 || f.max - f.min > Math.abs(f.median));
  };
  const status = (x, limit) => (Number.isFinite(x) ? (x <= limit ? '**met**' : `**not met** (${(x / limit).toFixed(1)}× the limit)`) : 'not measured');
  const snapW = rs('snapshotMs');
  const snapC = rs('snapshotTaskMs');
  const roundW = perRound(r.runs, 'snapshotMs');
  const roundC = perRound(r.runs, 'snapshotTaskMs');
  // Both the ratio of the medians and the median of the rounds' ratios must
  // pass: on a noisy machine they can fall on either side of the limit.
  const bothStatus = (x, round, limit) => (Number.isFinite(round.median) && (x <= limit) !== (round.median <= limit)
    ? `**at the limit** (${times(Math.min(x, round.median))}–${times(Math.max(x, round.median))} by the two measures)`
    : status(x, limit));
  const roundText = (q) => (Number.isFinite(q.median) ? `; per round ${times(q.median)} (${times(q.min)}–${times(q.max)})` : '');
  L.push(`| Full snapshot of the large page ≤ ½ rrweb's time | wall ${times(snapW)} rrweb strict${roundText(roundW)} (${times(rd('snapshotMs'))} defaults); main-thread CPU ${times(snapC)} strict${roundText(roundC)} (${times(rd('snapshotTaskMs'))} defaults). "Per round": the median, min and max of Reticent ÷ rrweb strict within each round | ${bothStatus(snapW, roundW, 0.5)} (wall); ${bothStatus(snapC, roundC, 0.5)} (CPU) |`);
  const added = rs('addedTaskMs');
  const ltR = med(S, 'reticent', 'longtasksOver50');
  const ltB = med(S, 'baseline', 'longtasksOver50');
  const ltMaxR = S.reticent?.longtaskMax?.max;
  const snapLt = S.reticent?.snapshotLongtaskMax?.max ?? NaN;
  const addedScript = rs('addedScriptMs');
  L.push(`| Added main-thread time during the activity ≤ ½ rrweb's | TaskDuration: ${fmt(med(S, 'reticent', 'addedTaskMs'))} ms vs ${fmt(med(S, 'rrweb-strict', 'addedTaskMs'))} ms (strict), ${fmt(med(S, 'rrweb-defaults', 'addedTaskMs'))} ms (defaults) per ${r.settings.seconds}-s script: ${times(added)} strict, ${times(rd('addedTaskMs'))} defaults. ScriptDuration (steadier): ${fmt(med(S, 'reticent', 'addedScriptMs'))} vs ${fmt(med(S, 'rrweb-strict', 'addedScriptMs'))} ms: ${times(addedScript)} strict, ${times(rd('addedScriptMs'))} defaults | ${noisy('rrweb-strict', 'addedTaskMs') || noisy('reticent', 'addedTaskMs') ? '**not measurable** on this machine' : status(added, 0.5)} (TaskDuration); ${status(addedScript, 0.5)} (ScriptDuration) |`);
  // Attributed over every round: any one task of the recorder's fails the target.
  const ownRuns = r.runs.filter((x) => x.config === 'reticent');
  const own = ownRuns.reduce((n, x) => n + (Number.isFinite(x.longtasksRecorder) ? x.longtasksRecorder : NaN), 0);
  const allLong = ownRuns.reduce((n, x) => n + (x.longtasksOver50 ?? 0), 0);
  const roundsLong = ownRuns.filter((x) => x.longtasksOver50 > 0).length;
  const activityLt = Number.isFinite(own)
    ? (own === 0 ? '**met**' : `**not met** (${own} task${own === 1 ? '' : 's'} of the recorder's over all rounds)`)
    : (ltB > 0 ? `**not measurable** on this machine (the baseline page alone had a median of ${fmt(ltB)} tasks over 50 ms)` : ltR <= ltB ? '**met**' : '**not met**');
  const attributedText = Number.isFinite(own)
    ? `; attributed by the scripts that ran in them (Long Animation Frames): ${allLong} task${allLong === 1 ? '' : 's'} over 50 ms in ${roundsLong} of ${ownRuns.length} rounds, ${own} of them the recorder's (most recorder script time in one: ${fmt(S.reticent?.longtaskRecorderMs?.max)} ms)`
    : '';
  L.push(`| No task over 50 ms caused by the recorder | during the activity: median ${fmt(ltR)} tasks > 50 ms with Reticent vs ${fmt(ltB)} in the baseline (longest ${fmt(ltMaxR)} ms over all rounds)${attributedText}; while snapshotting: longest ${fmt(S.reticent?.snapshotLongtaskMax?.median)} ms (max ${fmt(S.reticent?.snapshotLongtaskMax?.max)}); before consent (end of page load and init()): longest ${fmt(S.reticent?.setupLongtaskMax?.max)} ms over all rounds, ${fmt(S.baseline?.setupLongtaskMax?.max)} ms for the baseline page | ${snapLt <= 50 ? '**met** while snapshotting' : `**not met** while snapshotting (longest ${fmt(snapLt)} ms over all rounds)`}; during the activity ${activityLt} |`);
  const bpm = rs('bytesPerMinute');
  const tot = rs('totalBytes');
  L.push(`| Bytes on the wire ≤ ½ rrweb strict + fflate | per minute of activity ${times(bpm)}; whole session (snapshot + activity) ${times(tot)} | ${status(bpm, 0.5)} (activity); ${status(tot, 0.5)} (session) |`);
  const bundles = bundleRatios(r.sizes);
  const best = bundles.reduce((a, b) => (b.gzip < a.gzip ? b : a));
  L.push(`| What a site loads ≤ rrweb record + fflate (gzip) | ${bundles.map((b) => `${b.label.split(':')[0]} ${times(b.ratio)}`).join('; ')} (rrweb + fflate: ${kb(rr.gzip)}) | ${status(best.ratio, 1)} (smallest entry) |`);
  if (r.soaks.length > 0) {
    const parts = r.soaks.map((s) => {
      const l = soakLine(s);
      return `${LABEL[s.config]}: ${mb(l.second.total)} at ${l.second.t} s → ${mb(l.last.total)} at ${l.last.t} s (${l.perMinute >= 0 ? '+' : ''}${kb(l.perMinute)}/min)`;
    });
    const ret = r.soaks.find((s) => s.config === 'reticent');
    const l = ret ? soakLine(ret) : undefined;
    const flat = l && Math.abs(l.growth) < 0.05 * l.second.total;
    const long = r.settings.soakSeconds >= 600;
    L.push(`| Memory flat over a 10-minute session | ${parts.join('; ')} (JS heap + wasm memory after forced GC, soak of ${r.settings.soakSeconds} s) | ${flat ? (long ? '**met**' : '**flat so far**') : '**not met**'}${long ? '' : `: only ${r.settings.soakSeconds} s measured; rerun with \`BENCH_SOAK_SECONDS=600\``} |`);
  } else {
    L.push('| Memory flat over a 10-minute session | not measured in this run (BENCH_SOAK_SECONDS=0) | not measured |');
  }
  L.push('');
  L.push('![Reticent ÷ rrweb, per figure](benchmarks.svg)');
  L.push('');
  if (r.notes) {
    L.push(r.notes.trimEnd());
    L.push('');
  }

  if (r.soaks.length > 0) {
    L.push('### Memory over the soak');
    L.push('');
    L.push('| t (s) | ' + r.soaks.map((s) => `${LABEL[s.config]} JS heap | ${LABEL[s.config]} wasm`).join(' | ') + ' |');
    L.push('|---:|' + r.soaks.map(() => '---:|---:').join('|') + '|');
    const n = Math.max(...r.soaks.map((s) => s.samples.length));
    for (let i = 0; i < n; i++) {
      const t = r.soaks[0].samples[i]?.t ?? r.soaks.find((s) => s.samples[i])?.samples[i].t;
      L.push(`| ${t} | ` + r.soaks.map((s) => (s.samples[i] ? `${mb(s.samples[i].jsHeapUsed)} | ${mb(s.samples[i].wasmMemory)}` : '– | –')).join(' | ') + ' |');
    }
    L.push('');
  }

  // Method.
  L.push('## Method');
  L.push('');
  L.push('- **One process, one browser.** `bench/run.mjs` starts a server on 127.0.0.1 and one headless Chromium (`/usr/bin/chromium` driven by playwright-core, '
    + 'flags `--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync`). '
    + 'Each run gets a fresh browser context (viewport 1280×720). One warm-up run of each configuration is discarded; then the four configurations run in turn, '
    + `${r.settings.rounds} rounds, the order rotating every round.`);
  L.push('- **Configurations.** *baseline*: no recorder. *rrweb defaults*: `@rrweb/record` 2.1.6 `record()` with its defaults. '
    + `*rrweb strict*: \`${JSON.stringify(r.settings.rrwebOptions['rrweb-strict'])}\` (every input and text masked, media blocked, as Reticent does by default). `
    + `Both rrweb configurations load the package's own \`umd/record.min.js\` and ship their events the way the field does: \`JSON.stringify\` → fflate \`gzipSync\` on the main thread, `
    + `one POST every ${r.settings.rrwebFlushMs / 1000} s. *Reticent*: the script-tag bundle \`js/dist/reticent.js\` (wasm inlined), \`init({ consent: 'manual', transport })\`, `
    + 'then `grantConsent()`; default privacy and default `flushInterval` (5 s). The `transport` hook posts each batch with `fetch` to the bench server, as the built-in transport does, '
    + 'and notes when the first batch reaches it.');
  L.push('- **Large page.** Generated (`bench/lib/page.mjs`): a 400-card product grid with inline styles and images, a 500-row orders table, a checkout form '
    + '(text, e-mail, password, textarea, select, checkboxes, radios), navigation, media (video, audio, canvas, SVG), an open shadow root and a same-origin iframe.');
  L.push('- **Full snapshot time.** rrweb: from `record()` to its Meta + FullSnapshot events `JSON.stringify`\'d and gzip\'d (all synchronous). '
    + 'Reticent: from `grantConsent()` to the first batch (Meta + FullSnapshot, gzip\'d MessagePack) handed to the `transport` hook. Reticent walks a large page in ~20 ms slices '
    + 'on zero-delay timers; the wrapper checks every 4 ms whether the walk is complete and sends the snapshot then (no flush is forced by the bench: this is what a site gets). '
    + 'Main-thread CPU is the `TaskDuration` delta over that span; the wall time includes the gaps between slices '
    + '(other tasks may run there: that is the point of slicing), up to 4 ms of that check, and the compression worker\'s gzip of the batch.');
  L.push(`- **Activity.** After the snapshot, the page's mutation script runs every animation frame (3 list items added and old ones removed in a scroll box, 5 table cells' text, 5 cards' class, `
    + 'style and attribute, a counter, text in the shadow root and in the iframe), while Playwright, paced at one slot per second, moves the mouse (8 paths of 5 steps), scrolls the wheel, '
    + `and every other second focuses a form field and types 7 characters. ${r.settings.seconds} s per run; then the recorder flushes and the bench waits for every POST.`);
  L.push('- **Main-thread time.** CDP `Performance.getMetrics` (`TaskDuration`, `ScriptDuration`) before and after the activity, in the `threadTicks` time domain (CPU time of the main thread). '
    + '"Added" is each run minus the baseline run of the same round. Long tasks come from a `PerformanceObserver` on `longtask` entries in the page: those from consent (or `record()`) to the activity count as the snapshot\'s, those before it (the end of the page\'s load, `init()`) are reported apart, next to the baseline page\'s. '
    + 'Each task over 50 ms of the activity is split by the scripts that overlap it, from `long-animation-frame` entries (every entry point of 5 ms or more, with its source URL; `bench/lib/attribution.mjs`): '
    + 'the recorder\'s bundles (`/dist/reticent.js`, which calls into the module; rrweb and fflate under `/vendor/`) and the harness\'s batching of rrweb\'s events, the page\'s and the bench\'s own scripts, and the rest (style, layout, garbage collection, scripts under 5 ms). '
    + 'That API counts a MutationObserver callback in the page script whose DOM changes caused it, so the harness times the recorder\'s callbacks between two observers of its own, one made before the recorder\'s and one after (observers run in the order they were made), and moves that time to the recorder; '
    + 'they watch child lists only, and cost every configuration, the baseline included, about 8 ms of script a second. '
    + 'A task counts as the recorder\'s when the recorder\'s scripts alone ran over 50 ms in it, or when it would have been 50 ms or less without them.');
  L.push(`- **Bytes and events.** What the server received: the gzip\'d bodies (HTTP headers not counted). The first batch holds the full snapshot; "per minute of activity" counts the later batches only, scaled from the ${r.settings.seconds}-s script to 60 s (not from the run\'s wall time, which a loaded machine stretches while the input stays the same).`);
  L.push('- **Memory.** After the final flush, two `HeapProfiler.collectGarbage`, then `Runtime.getHeapUsage` (JS heap) plus the size of every `WebAssembly.Memory` the page instantiated '
    + '(the harness wraps `WebAssembly.instantiate`). The soak runs the same activity for longer and samples both every 15 s.');
  L.push('- **Bundle size.** gzip level 9 (as `gzip -9`) of what a site loads for each entry point.');
  L.push('');

  // Where the bytes go.
  if (existsSync(join(REPO, 'bench', 'results', 'profile.md'))) {
    L.push('## Where the time goes');
    L.push('');
    L.push('A CPU profile of Reticent on the same page and activity, with the module\'s function names, is in '
      + '[bench/results/profile.md](../bench/results/profile.md) (`node bench/profile.mjs`; not rerun by `scripts/bench.sh`).');
    L.push('');
  }
  if (existsSync(join(REPO, 'bench', 'results', 'timeline.md'))) {
    L.push('The full snapshot\'s wall time, phase by phase (the consent task and first slice, the other slices, the encoding, '
      + 'the compression worker\'s start and its gzip), from Chromium traces, is in '
      + '[bench/results/timeline.md](../bench/results/timeline.md) (`node bench/timeline.mjs`; not rerun by `scripts/bench.sh`).');
    L.push('');
  }
  L.push('## Where the bytes go');
  L.push('');
  L.push(`### WebAssembly module (${kb(r.sizes.wasm.bytes)}, ${kb(r.sizes.wasm.gzip)} gzip)`);
  L.push('');
  L.push('| section | bytes |');
  L.push('|---|---:|');
  for (const s of r.sizes.wasm.sections) L.push(`| ${s.name} | ${fmt(s.bytes)} |`);
  L.push('');
  if (r.sizes.twiggy.ok) {
    L.push('`twiggy top -n 25 js/dist/reticent_bg.wasm` (the shipped module has no names, so twiggy shows indices; the named table below maps them):');
    L.push('');
    L.push('```');
    L.push(r.sizes.twiggy.text.trimEnd());
    L.push('```');
  } else {
    L.push(`twiggy did not run (${r.sizes.twiggy.why}); install it with \`cargo install twiggy\`.`);
  }
  L.push('');
  if (r.sizes.twiggyNamed?.ok) {
    L.push('The same module optimised the same way but keeping names (`wasm-opt -Oz -g` on `js/pkg/reticent_bg.wasm`; the "function names" subsection exists only in this copy), `twiggy top -n 25`:');
    L.push('');
    L.push('```');
    L.push(r.sizes.twiggyNamed.text.trimEnd());
    L.push('```');
    L.push('');
  }
  if (r.sizes.perCrate) {
    const pc = r.sizes.perCrate;
    L.push(`Code per crate in that named copy (\`node bench/wasm-sizes.mjs\`; ${fmt(pc.functions)} functions). With LTO a function inlined into another counts for the one that kept its name: \`gzip_batch\` holds much of miniz_oxide, for instance.`);
    L.push('');
    L.push('| crate | code bytes | gzip -9 of its code alone | functions |');
    L.push('|---|---:|---:|---:|');
    for (const c of pc.crates.filter((c) => c.bytes >= 1024)) L.push(`| ${c.crate} | ${fmt(c.bytes)} | ${fmt(c.gzip)} | ${c.functions} |`);
    L.push('');
    L.push('Largest functions:');
    L.push('');
    L.push('| bytes | function |');
    L.push('|---:|---|');
    for (const f of pc.largest) L.push(`| ${fmt(f.bytes)} | \`${f.name.replace(/\|/g, '\\|').slice(0, 120)}\` |`);
    L.push('');
  }
  if (r.encoding) {
    L.push('### The full-snapshot batch, uncompressed');
    L.push('');
    L.push('The first batch of one run of each configuration, decompressed again, then recompressed with Node\'s zlib at three levels '
      + '(sizes carry over to miniz_oxide and fflate; times only show the relative cost of the levels).');
    L.push('');
    L.push('| configuration | format | sent (gzip) | raw | of which map keys | zlib -1 | zlib -6 | zlib -9 |');
    L.push('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, e] of Object.entries(r.encoding)) {
      const lv = (l) => `${kb(e.levels[l].bytes)} (${e.levels[l].nodeZlibMs.toFixed(1)} ms)`;
      L.push(`| ${LABEL[name] ?? name} | ${e.format} | ${kb(e.sent)} | ${kb(e.raw)} | ${kb(e.keyBytes)} (${((100 * e.keyBytes) / e.raw).toFixed(0)} %) | ${lv(1)} | ${lv(6)} | ${lv(9)} |`);
    }
    if (r.encoding.reticent?.eventsAsJson) {
      L.push('');
      L.push(`Reticent's snapshot events, decoded and written as JSON, would be ${kb(r.encoding.reticent.eventsAsJson)}: the MessagePack is ${((100 * r.encoding.reticent.raw) / r.encoding.reticent.eventsAsJson).toFixed(0)} % of that.`);
    }
    L.push('');
  }
  const mods = (title, m) => {
    L.push(`### ${title} (${kb(m.bytes)} minified, ${kb(m.gzip)} gzip)`);
    L.push('');
    L.push('| module | bytes in the bundle |');
    L.push('|---|---:|');
    for (const i of m.inputs) L.push(`| \`${i.path}\` | ${fmt(i.bytes)} |`);
    L.push('');
  };
  mods('Reticent slim entry, JS only (esbuild metafile)', r.sizes.modules.reticentSlim);
  mods('Reticent default entry (esbuild metafile)', r.sizes.modules.reticentDefault);
  mods('rrweb record + fflate, bundled as ESM (esbuild metafile)', r.sizes.modules.rrwebEsm);

  L.push('## Rerun');
  L.push('');
  L.push('```sh');
  L.push('bash scripts/bench.sh                     # installs bench deps, builds js/dist if missing, runs, writes this page');
  L.push('BENCH_ROUNDS=3 BENCH_SECONDS=10 bash scripts/bench.sh   # quicker');
  L.push('BENCH_SOAK_SECONDS=600 bash scripts/bench.sh            # the 10-minute memory target');
  L.push('node bench/report.mjs                     # rewrite this page from bench/results/latest.json');
  L.push('```');
  L.push('');
  const env = [`BENCH_ROUNDS=${r.settings.rounds}`, `BENCH_SECONDS=${r.settings.seconds}`, `BENCH_SOAK_SECONDS=${r.settings.soakSeconds}`];
  if (r.settings.soakConfigs) env.push(`BENCH_SOAK_CONFIGS=${r.settings.soakConfigs.join(',')}`);
  L.push(`This page's run: \`${env.join(' ')} bash scripts/bench.sh\`.`);
  L.push('');
  L.push('It took about ' + Math.round((Date.parse(r.finished) - Date.parse(r.date)) / 60000) + ' minutes with these settings. It is not part of `scripts/test.sh`: figures depend on the machine.');
  L.push('');
  return L.join('\n');
}

export function buildSvg(r) {
  const S = summarise(r.runs, r.settings.seconds);
  const rows = [];
  for (const c of CHART) {
    if (c.key === 'bundle') {
      const rr = r.sizes.entries.find((e) => e.label.startsWith('rrweb'));
      const slim = r.sizes.entries.find((e) => e.label.startsWith('reticent/slim'));
      const def = r.sizes.entries.find((e) => e.label.startsWith('reticent (default'));
      rows.push({ label: 'What a site loads (gzip): slim + wasm', strict: slim.gzip / rr.gzip, target: 1 });
      rows.push({ label: 'What a site loads (gzip): default entry', strict: def.gzip / rr.gzip, target: 1 });
      continue;
    }
    rows.push({
      label: c.label,
      strict: ratio(med(S, 'reticent', c.key), med(S, 'rrweb-strict', c.key)),
      defaults: ratio(med(S, 'reticent', c.key), med(S, 'rrweb-defaults', c.key)),
      target: c.target,
    });
  }
  // Log scale from 1/8× to 8×, centred on 1×: bars go left when Reticent is smaller (better).
  const W = 860;
  const left = 300;
  const plotW = W - left - 40;
  const min = Math.log2(1 / 8);
  const max = Math.log2(8);
  const x = (v) => left + ((Math.log2(Math.min(8, Math.max(1 / 8, v))) - min) / (max - min)) * plotW;
  const rowH = 34;
  const top = 60;
  const H = top + rows.length * rowH + 60;
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Reticent ÷ rrweb (median of ${r.settings.rounds} rounds; left of 1× is better)</text>`);
  out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(`${r.date.slice(0, 10)}, Chromium ${r.chromium}, ${r.machine.cores} shared cores: noisy`)}</text>`);
  for (const v of [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8]) {
    const xv = x(v);
    out.push(`<line x1="${xv}" y1="${top - 6}" x2="${xv}" y2="${top + rows.length * rowH}" stroke="${v === 1 ? '#000' : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`);
    out.push(`<text x="${xv}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#333">${v < 1 ? `1/${1 / v}` : v}×</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(row.label)}</text>`);
    const bars = [
      { v: row.strict, colour: '#1d3557', dy: 4 },
      ...(row.defaults !== undefined ? [{ v: row.defaults, colour: '#8ecae6', dy: 17 }] : []),
    ];
    for (const b of bars) {
      if (!Number.isFinite(b.v) || b.v <= 0) {
        out.push(`<text x="${x(1) + 4}" y="${y + b.dy + 10}" fill="#999">n/a</text>`);
        continue;
      }
      const x0 = Math.min(x(1), x(b.v));
      const w = Math.max(1, Math.abs(x(b.v) - x(1)));
      const h = row.defaults !== undefined ? 12 : 25;
      out.push(`<rect x="${x0}" y="${y + b.dy}" width="${w}" height="${h}" fill="${b.colour}"/>`);
      const lx = b.v >= 1 ? x(b.v) + 4 : x(b.v) - 4;
      out.push(`<text x="${lx}" y="${y + b.dy + h - 2}" text-anchor="${b.v >= 1 ? 'start' : 'end'}" font-size="11">${b.v.toFixed(2)}×</text>`);
    }
    if (row.target !== undefined) {
      const xt = x(row.target);
      out.push(`<line x1="${xt}" y1="${y + 2}" x2="${xt}" y2="${y + rowH - 4}" stroke="#e63946" stroke-width="2" stroke-dasharray="3,2"/>`);
    }
  });
  const ly = H - 22;
  out.push(`<rect x="${left}" y="${ly - 10}" width="12" height="12" fill="#1d3557"/><text x="${left + 16}" y="${ly}">vs rrweb strict (bundle rows: vs rrweb record + fflate)</text>`);
  out.push(`<rect x="${left + 300}" y="${ly - 10}" width="12" height="12" fill="#8ecae6"/><text x="${left + 316}" y="${ly}">vs rrweb defaults</text>`);
  out.push(`<line x1="${left + 440}" y1="${ly - 10}" x2="${left + 440}" y2="${ly + 2}" stroke="#e63946" stroke-width="2" stroke-dasharray="3,2"/><text x="${left + 446}" y="${ly}">issue 8 target</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function writeReport(result, repoRoot, outDir = join(repoRoot, 'docs')) {
  // Hand-written reading of the committed run (bench/notes.md), kept out of the generator.
  const notesPath = join(repoRoot, 'bench', 'notes.md');
  if (existsSync(notesPath)) {
    const notes = readFileSync(notesPath, 'utf8');
    // Only when the notes were written for these results.
    if (notes.includes(`results of ${result.date}`)) result = { ...result, notes: notes.replace(/^<!--[\s\S]*?-->\n/, '') };
  }
  writeFileSync(join(outDir, 'benchmarks.md'), buildMarkdown(result));
  writeFileSync(join(outDir, 'benchmarks.svg'), buildSvg(result));
  process.stderr.write(`wrote ${outDir}/benchmarks.md and benchmarks.svg\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const benchDir = dirname(fileURLToPath(import.meta.url));
  const repoRoot = resolve(benchDir, '..');
  writeReport(JSON.parse(readFileSync(join(benchDir, 'results', 'latest.json'), 'utf8')), repoRoot);
}
