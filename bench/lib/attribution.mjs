// Who ran in a long task: the recorder, the page, or no script at all.
//
// A `longtask` entry says only that the main thread was busy for over 50 ms.
// Chromium's Long Animation Frames API (`long-animation-frame` entries) lists
// the scripts that ran in a long frame: each entry point (a timer, an event
// listener, an animation frame callback, a script's evaluation) of 5 ms or
// more, with its start, duration and source URL. An entry point's time
// includes the microtasks after it, and so the MutationObserver callbacks
// its DOM changes caused: the harness times the recorder's observer
// callbacks apart (`observerSpans`, see harness.mjs), and their time moves
// to the recorder. A long task's time is split by what overlaps it:
//   - recorder: scripts loaded from the recorder's bundles (Reticent's
//     `/dist/` script, which calls into its module; rrweb and fflate under
//     `/vendor/`), functions the harness runs for it (RECORDER_FUNCTIONS:
//     rrweb's batching, which the field ships with the recorder), and the
//     recorder's observer callbacks;
//   - page: every other script (the page's workload, the bench's harness and
//     its driver);
//   - other: the rest of the task (style, layout, paint, garbage collection,
//     input dispatch, and scripts shorter than 5 ms, which the API leaves out).
// A task is the recorder's when the recorder's time alone is over 50 ms in
// it, or when the task would have stayed at 50 ms or below without it.

/** Harness functions that run on the recorder's behalf (harness.mjs). */
export const RECORDER_FUNCTIONS = new Set(['flushPending']);

/** Whose a script is, from its source URL and function name. */
export function ownerOf(sourceURL, functionName) {
  if (RECORDER_FUNCTIONS.has(functionName)) return 'recorder';
  try {
    const path = new URL(sourceURL).pathname;
    if (path.startsWith('/dist/') || path.startsWith('/dist-b/') || path.startsWith('/vendor/')) return 'recorder';
  } catch {
    // An empty or unparsable URL: a script of the page or of the driver.
  }
  return 'page';
}

/** Time two intervals [a0, a1) and [b0, b1) share. */
const overlap = (a0, a1, b0, b1) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * Splits every task of `tasks` ({ start, duration }) by the scripts of the
 * long animation frames `frames` ({ scripts: [{ start, duration, url, fn, invoker }] })
 * and the recorder's observer callbacks `observerSpans` ([start, end, …]).
 */
export function attributeTasks(tasks, frames, observerSpans = []) {
  const scripts = frames.flatMap((f) => f.scripts ?? []).map((s) => ({ ...s, owner: ownerOf(s.url, s.fn), end: s.start + s.duration }));
  return tasks.map((t) => {
    const end = t.start + t.duration;
    const ms = { recorder: 0, page: 0 };
    const names = [];
    for (const s of scripts) {
      const shared = overlap(t.start, end, s.start, s.end);
      if (shared <= 0) continue;
      ms[s.owner] += shared;
      names.push(`${s.owner}: ${s.invoker || '?'} ${shared.toFixed(0)} ms`);
    }
    let observed = 0;
    for (let i = 0; i + 1 < observerSpans.length; i += 2) {
      const a = Math.max(t.start, observerSpans[i]);
      const b = Math.min(end, observerSpans[i + 1]);
      if (b <= a) continue;
      // Inside a page script, the time moves from the page to the recorder;
      // inside a recorder script, it is already the recorder's; outside any
      // listed script, it comes out of "other".
      let inRecorder = 0;
      for (const s of scripts) {
        const shared = overlap(a, b, s.start, s.end);
        if (s.owner === 'page') ms.page -= shared;
        else inRecorder += shared;
      }
      ms.recorder += b - a - inRecorder;
      observed += b - a;
    }
    if (observed > 0) names.push(`recorder: MutationObserver callbacks ${observed.toFixed(0)} ms`);
    const other = Math.max(0, t.duration - ms.recorder - ms.page);
    return {
      start: t.start,
      duration: t.duration,
      recorderMs: ms.recorder,
      pageMs: Math.max(0, ms.page),
      otherMs: other,
      recorders: ms.recorder > 50 || (ms.recorder > 0 && t.duration - ms.recorder <= 50),
      scripts: names,
    };
  });
}
