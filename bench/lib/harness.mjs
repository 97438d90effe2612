// What each configuration puts in the page's <head>: a small harness (the
// same for all), then the recorder's real bundles as a site would load them.
//
// The harness exposes `window.__harness`:
//   setup()  → { initMs }                       load-time work before consent
//   start()  → { snapshotMs, snapshotBytes, snapshotEvents? }
//   flush()  → resolves when every batch reached the server
//   bracket() → starts timing the recorder's MutationObserver callbacks (call
//              once the recorder observes, before the activity)
//   state()  → { sends, wasmMemoryBytes, longtasks, frames, observerSpans }
// (`frames`: the long animation frames and the scripts that ran in them;
// `observerSpans`: [start, end, …] of the recorder's observer callbacks; both
// to attribute long tasks, see attribution.mjs; `frames` is null where the
// API is missing.)
// Batches go to `/ingest?run=ID` with `fetch`, the first one (sequence 0)
// holding the full snapshot.

/** The configurations, in the order the report lists them. */
export const CONFIGS = ['baseline', 'rrweb-defaults', 'rrweb-strict', 'reticent'];

/** rrweb's record() options for each rrweb configuration. */
export const RRWEB_OPTIONS = {
  'rrweb-defaults': {},
  // rrweb's strictest privacy settings: every input masked, every text
  // masked, media blocked (as Reticent does by default).
  'rrweb-strict': {
    maskAllInputs: true,
    maskTextSelector: '*',
    blockSelector: 'img,picture,video,audio,canvas,embed,object,image',
  },
};

/** How often the rrweb configurations compress and send their events, ms (Reticent's default flushInterval). */
export const RRWEB_FLUSH_MS = 5000;

// Runs in the page before any recorder code. Plain ES2017, no imports.
function harness(cfg) {
  const now = () => performance.now();
  const longtasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    longtasks.push({ start: -1, duration: -1 });
  }
  let frames = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        frames.push({
          start: e.startTime,
          duration: e.duration,
          scripts: Array.from(e.scripts || [], (s) => ({ start: s.startTime, duration: s.duration, url: s.sourceURL, fn: s.sourceFunctionName, invoker: s.invoker })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch (e) {
    frames = null;
  }
  // The recorder's MutationObserver callbacks run in the microtask checkpoint
  // after the page's script that mutated the DOM, and Long Animation Frames
  // count them in that script. Observers are called in the order they were
  // made, so one made before the recorder's and one made after them bracket
  // their callbacks: the time between the two is the recorder's. They watch
  // child lists only, the lightest records (the page's workload changes one
  // every frame), which costs every configuration, the baseline too, about
  // 8 ms of script a second; a checkpoint with no child-list change escapes
  // them. Spans under 1 ms are not kept (memory over a long soak).
  const MO_OPTIONS = { childList: true, subtree: true };
  const observerSpans = [];
  let opened = -1;
  let bracketing = false;
  const first = new MutationObserver(() => { if (bracketing) opened = now(); });
  first.observe(document, MO_OPTIONS);
  function bracket() {
    const roots = [document.getElementById('shadow-host')?.shadowRoot, document.getElementById('help-frame')?.contentDocument].filter(Boolean);
    for (const root of roots) first.observe(root, MO_OPTIONS);
    const last = new MutationObserver(() => {
      const t = now();
      if (opened >= 0 && t - opened >= 1) observerSpans.push(opened, t);
      opened = -1;
    });
    for (const root of [document, ...roots]) last.observe(root, MO_OPTIONS);
    bracketing = true;
  }
  // Keeps the WebAssembly memories instantiated on this page, to read their size.
  const memories = [];
  const keep = (result) => {
    const instance = result && (result.instance || result);
    const exports = instance && instance.exports;
    if (exports) for (const k in exports) if (exports[k] instanceof WebAssembly.Memory) memories.push(exports[k]);
    return result;
  };
  const origInstantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = function () {
    return origInstantiate.apply(this, arguments).then(keep);
  };
  if (WebAssembly.instantiateStreaming) {
    const origStreaming = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = function () {
      return origStreaming.apply(this, arguments).then(keep);
    };
  }

  const inflight = new Set();
  let sends = 0;
  function post(bytes, seq) {
    sends++;
    const p = fetch(`/ingest?run=${encodeURIComponent(cfg.run)}&seq=${seq}`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    }).then((r) => r.ok, () => false);
    inflight.add(p);
    p.then(() => inflight.delete(p));
    return p;
  }
  async function drain() {
    while (inflight.size > 0) await Promise.all([...inflight]);
  }
  const state = () => ({
    sends,
    wasmMemoryBytes: memories.reduce((n, m) => n + m.buffer.byteLength, 0),
    longtasks: longtasks.slice(),
    frames: frames && frames.slice(),
    observerSpans: observerSpans.slice(),
    now: now(),
  });

  let api;
  if (cfg.kind === 'baseline') {
    api = {
      async setup() { return { initMs: 0 }; },
      async start() { return { snapshotMs: 0, snapshotBytes: 0 }; },
      async flush() {},
      stop() {},
    };
  } else if (cfg.kind === 'rrweb') {
    // rrweb as the field ships it: JSON events, gzip'd with fflate on the main thread, batched.
    let pending = [];
    let seq = 0;
    let stopFn;
    let timer;
    const pack = (events) => self.fflate.gzipSync(self.fflate.strToU8(JSON.stringify(events)));
    const flushPending = () => {
      if (pending.length === 0) return;
      const events = pending;
      pending = [];
      post(pack(events), seq++);
    };
    api = {
      async setup() { return { initMs: 0 }; },
      async start() {
        const t0 = now();
        stopFn = self.rrwebRecord.record(Object.assign({ emit: (e) => pending.push(e) }, cfg.rrweb));
        const events = pending;
        pending = [];
        const bytes = pack(events);
        const t1 = now();
        post(bytes, seq++);
        timer = setInterval(flushPending, cfg.flushMs);
        return { snapshotMs: t1 - t0, snapshotBytes: bytes.byteLength, snapshotEvents: events.length, fullSnapshot: events.some((e) => e.type === 2) };
      },
      async flush() {
        flushPending();
        await drain();
      },
      stop() {
        clearInterval(timer);
        if (stopFn) stopFn();
      },
    };
  } else {
    // Reticent from its IIFE bundle, consent given by hand; batches go
    // through the `transport` hook, which posts them with fetch.
    let rec;
    let firstBatch;
    const gotFirst = new Promise((resolve) => { firstBatch = resolve; });
    let t0 = 0;
    const transport = (batch, info) => {
      const at = now();
      firstBatch({ at, bytes: batch.byteLength, sequence: info.sequence });
      return post(batch, info.sequence).then((ok) => ok);
    };
    api = {
      async setup() {
        const t = now();
        const errors = [];
        rec = await self.Reticent.init({
          endpoint: `/ingest?run=${encodeURIComponent(cfg.run)}`,
          consent: 'manual',
          transport,
          onError: (e) => { errors.push(String(e && e.code) + ': ' + String(e && e.message)); self.__reticentErrors = errors; },
        });
        return { initMs: now() - t };
      },
      async start() {
        t0 = now();
        rec.grantConsent();
        // A large page's snapshot is walked in slices on timers; the wrapper
        // checks every 4 ms whether it is complete and sends it then. No
        // flush is forced: this is what a site gets.
        const first = await gotFirst;
        return { snapshotMs: first.at - t0, snapshotBytes: first.bytes, firstSequence: first.sequence };
      },
      async flush() {
        await rec.flush();
        await drain();
      },
      stop() { rec.stop(); },
    };
  }
  api.state = state;
  api.bracket = bracket;
  self.__harness = api;
}

/** The <head> markup of configuration `name` for run `run`. */
export function headFor(name, run) {
  const cfg = { name, run, flushMs: RRWEB_FLUSH_MS };
  let tags = '';
  if (name === 'baseline') cfg.kind = 'baseline';
  else if (name.startsWith('rrweb')) {
    cfg.kind = 'rrweb';
    cfg.rrweb = RRWEB_OPTIONS[name];
    tags = '<script src="/vendor/rrweb-record.min.js"></script><script src="/vendor/fflate-gzip.js"></script>';
  } else {
    cfg.kind = 'reticent';
    // reticent-b: the second build of an A/B (BENCH_RETICENT_B in run.mjs).
    tags = `<script src="${name === 'reticent-b' ? '/dist-b' : '/dist'}/reticent.js"></script>`;
  }
  return `<script>(${harness.toString()})(${JSON.stringify(cfg)});</script>${tags}`;
}
