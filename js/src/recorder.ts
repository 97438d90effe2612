/**
 * The public recorder object: consent, flush timer, and the guard that turns
 * any failure of the WebAssembly module into one `onError` report.
 *
 * @packageDocumentation
 */

import { createBeacon } from './beacon.js';
import { Compressor, type CompressionDeps } from './compressor.js';
import { browserOptsOut, createAdapter, ManualAdapter, type ConsentAdapter, type ConsentSignal } from './consent/index.js';
import { ReticentError, toReticentError } from './errors.js';
import { randomId } from './ids.js';
import { browserTargets, listenErrors, listenExit, type PageTargets } from './lifecycle.js';
import type { ResolvedOptions } from './options.js';
import { BatchQueue } from './queue.js';
import { CompressionPipeline } from './pipeline.js';
import { browserSessionStorage, openSession, SessionStore, type SessionEntry, type StorageLike } from './session.js';
import { createTransport, hookTransport, KeepaliveBudget, type SendInfo, type SendOutcome } from './transport.js';
import { TriggerWindow } from './trigger.js';
import type { WasmRecorder } from './wasm/contract.js';

/**
 * A recorder returned by `init()`. It does nothing (no observer, timer,
 * storage access or network request) until its consent source says
 * `granted`. No method throws; after a failure the recorder is stopped and
 * every method is a no-op.
 */
export interface Recorder {
  /**
   * With `consent: 'manual'`: records from now on. Continues the visit's
   * session if one is still live in `sessionStorage` (else starts one, and
   * draws `sampleRate`), takes a full snapshot with a fresh page-view id,
   * sends it at once in continuous mode (a large page's snapshot is taken in
   * slices and sent as soon as it is complete), then flushes every `flushInterval`
   * ms. Calling it again while recording does nothing. With a CMP, only the
   * CMP grants consent and this does nothing. It also does nothing when the
   * browser opted out (Global Privacy Control, and Do Not Track if respected).
   * On a page `privacy.excludePages` excludes, nothing is recorded until the
   * address leaves it (checked every `flushInterval` ms); then a page view
   * starts as above.
   */
  grantConsent(): void;
  /**
   * Stops recording at once, drops every event and batch not yet sent and
   * deletes the session entry. With `'manual'`, nothing more is recorded
   * until `grantConsent()` (a new session). With a CMP, the page's
   * withdrawal holds until the page is reloaded, whatever the CMP says
   * afterwards.
   */
  withdrawConsent(): void;
  /**
   * Sends the pending events now, as one batch. Resolves once that batch was
   * accepted or dropped, or an attempt failed and a retry is scheduled (or
   * at once when there is nothing to send, no consent, or the on-trigger
   * mode was not triggered yet); never rejects.
   */
  flush(): Promise<void>;
  /**
   * Marks this moment in the recording and, with `mode: 'on-trigger'`,
   * sends the recorded window (the last `triggerWindow` ms or a little more)
   * and records continuously for the rest of the session.
   *
   * The mark is an rrweb Custom event, `{ tag: 'reticent.trigger', payload:
   * { reason } }` (an empty payload without a string `reason`), created by
   * the WebAssembly core with `reason` passed through the privacy engine
   * first: the PII detectors and `privacy.customDetectors` replace what
   * they find, control characters become spaces, the result is cut to 200
   * characters, and a reason over 2000 characters is not read at all
   * (`[reason too long]`). Keep it a short label (`'checkout-failed'`).
   * An uncaught error or unhandled rejection in the on-trigger window
   * triggers with the reason `'uncaught error: <TypeError…>'` /
   * `'unhandled rejection: <…>'`: the error's `name` only, never its message.
   *
   * Once recording continuously (continuous mode, or already triggered) it
   * only adds the mark, which goes with the next batch. Does nothing before
   * consent, on an excluded page, or while the first snapshot of a large
   * page is still being taken.
   */
  trigger(reason?: string): void;
  /**
   * Withdraws consent and releases the WebAssembly recorder for good.
   * Idempotent; the object cannot be used to record again.
   */
  stop(): void;
}

/** Timer functions, injectable for tests. */
export interface Timers {
  /** Like the global `setInterval`. */
  setInterval(callback: () => void, ms: number): unknown;
  /** Like the global `clearInterval`. */
  clearInterval(handle: unknown): void;
  /** Like the global `setTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Like the global `clearTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** What {@link createRecorder} needs; everything but `wasm` and `options` has a browser default. */
export interface RecorderDeps {
  /** The WebAssembly recorder this object owns (it frees it on stop or failure). */
  readonly wasm: WasmRecorder;
  /** Validated options. */
  readonly options: ResolvedOptions;
  /**
   * How batches are compressed: the module's `gzipBatch` (main thread) and,
   * when the entry point can start one, the compression worker.
   */
  readonly compression: CompressionDeps;
  /**
   * Makes one attempt to deliver a batch; defaults to the `transport` option,
   * else `fetch` on `options.endpoint` (see transport.ts). May resolve an
   * outcome, `true`/`undefined` (accepted) or `false` (failed: retry).
   */
  readonly send?: (batch: Uint8Array, info: SendInfo) => Promise<SendOutcome | boolean | void>;
  /** Id generator; defaults to {@link randomId}. */
  readonly newId?: () => string;
  /** Timers; default to the globals. */
  readonly timers?: Timers;
  /** The consent source; defaults to the adapter named by `options.consent`. */
  readonly adapter?: ConsentAdapter;
  /** Whether the browser asks not to be recorded; defaults to {@link browserOptsOut}. */
  readonly optedOut?: boolean;
  /** The session storage (called after consent only; may throw); defaults to `sessionStorage`. */
  readonly storage?: () => StorageLike | undefined | null;
  /** Clock, ms since the epoch; defaults to `Date.now`. */
  readonly now?: () => number;
  /** Uniform draw in `[0, 1)` (sampling, retry jitter); defaults to `Math.random`. */
  readonly random?: () => number;
  /** Where page listeners go (after consent only); defaults to `window` and `document`. */
  readonly page?: PageTargets;
}

const globalTimers: Timers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How often the pending events are checked against `maxBatchBytes`, ms. */
export const SIZE_CHECK_INTERVAL = 1000;

/**
 * How often (ms) the wrapper checks whether a large page's first snapshot,
 * taken in slices, is complete: it is sent then, not at the next flush. A
 * check is one getter call into the module (microseconds), so a short period
 * costs nothing measurable and sends the snapshot within ~4 ms of its last
 * slice (browsers clamp repeating timers to 4 ms anyway; it was 50, then 10:
 * the bench's wall time included half of that).
 */
export const SNAPSHOT_CHECK_INTERVAL = 4;
/** Compressed bytes per event assumed until a batch of enough events was measured. */
export const INITIAL_BYTES_PER_EVENT = 64;
/** A batch of at least this many events updates the bytes-per-event estimate. */
const MIN_EVENTS_TO_ESTIMATE = 16;
/** Closed segments the on-trigger window keeps (see trigger.ts). */
const TRIGGER_SEGMENTS_KEPT = 2;

type State = 'waiting' | 'granted' | 'withdrawn' | 'stopped';
/**
 * While granted: not sampled, buffering the on-trigger window, sending, or
 * on a page `privacy.excludePages` excludes (nothing recorded).
 */
type Phase = 'idle' | 'window' | 'continuous' | 'excluded';

function safeOptOut(options: ResolvedOptions): boolean {
  try {
    return browserOptsOut(options);
  } catch {
    // Cannot tell: fail closed.
    return true;
  }
}

/** Creates the public {@link Recorder} around a WebAssembly recorder. */
export function createRecorder(deps: RecorderDeps): Recorder {
  const { wasm, options } = deps;
  const newId = deps.newId ?? randomId;
  const timers = deps.timers ?? globalTimers;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const adapter = deps.adapter ?? createAdapter(options.consent);
  const optedOut = deps.optedOut ?? safeOptOut(options);
  const store = new SessionStore(deps.storage ?? browserSessionStorage);
  const policy = options;
  /** Set when the page itself withdrew consent given by a CMP: it holds for the page's life. */
  let pageWithdrew = false;
  /**
   * Set by a denial or a withdrawal, whether or not anything was recording
   * (the visitor may have withdrawn on a page without the recorder, or while
   * the module loaded): the next grant starts a new session instead of
   * continuing the stored one, so no recording links across a withdrawal.
   * Nothing reads the storage for this before consent.
   */
  let deniedSinceSession = false;

  let state: State = 'waiting';
  let phase: Phase = 'idle';
  let session: SessionEntry | undefined;
  /** Sequence number of the next batch of the current page view (the core's counter, mirrored). */
  let sequence = 0;
  let bytesPerEvent = INITIAL_BYTES_PER_EVENT;
  /** Pending events that are not activity: the snapshot a checkpoint buffered. */
  let baseline = 0;
  let queue: BatchQueue | undefined;
  /** Batches being compressed (created at the first batch, or while a sliced snapshot is walked: nothing exists before consent). */
  let pipeline: CompressionPipeline | undefined;
  /** The on-trigger mode's closed segments, while waiting for the trigger. */
  let kept: TriggerWindow | undefined;
  /** Handles of live intervals, and removers of live listeners: all cleared by {@link quiesce}. */
  let intervals: unknown[] = [];
  let removers: Array<() => void> = [];

  /** Created at the first grant: nothing exists before consent. */
  function getQueue(): BatchQueue {
    if (queue === undefined) {
      let send = deps.send;
      let budget: KeepaliveBudget | undefined;
      if (send === undefined && options.transport !== undefined) {
        send = hookTransport(options.transport, options.requestTimeout, timers);
      }
      if (send === undefined) {
        budget = new KeepaliveBudget();
        send = createTransport({
          endpoint: options.endpoint,
          headers: options.headers,
          credentials: options.credentials,
          requestTimeout: options.requestTimeout,
          budget,
          timers,
          now,
        });
      }
      const beacon = budget ? createBeacon(options.endpoint, options.headers, options.credentials) : undefined;
      queue = new BatchQueue({
        send,
        maxQueueBytes: options.maxQueueBytes,
        timers,
        random,
        ...(budget ? { budget } : {}),
        ...(beacon ? { beacon } : {}),
      });
    }
    return queue;
  }

  function getPipeline(): CompressionPipeline {
    if (pipeline === undefined) {
      pipeline = new CompressionPipeline(new Compressor({ ...deps.compression, timers }), (thrown) => fail(thrown));
    }
    return pipeline;
  }

  /** Drops every batch being compressed (and ends the worker with them). */
  function dropCompressing(): void {
    try {
      pipeline?.clear();
    } catch {
      // Its results are ignored anyway once cleared.
    }
  }

  /** Clears every interval and listener of the current page view. */
  function quiesce(): void {
    const handles = intervals;
    intervals = [];
    for (const h of handles) {
      try {
        timers.clearInterval(h);
      } catch {
        // Nothing we can do; the callbacks check the state anyway.
      }
    }
    const rs = removers;
    removers = [];
    for (const r of rs) {
      try {
        r();
      } catch {
        // A listener we cannot remove only calls back into a stopped recorder.
      }
    }
    kept?.close();
    kept = undefined;
  }

  /** Stops everything and reports `thrown` once. */
  function fail(thrown: unknown): void {
    if (state === 'stopped') return;
    state = 'stopped';
    quiesce();
    dropCompressing();
    queue?.close();
    stopAdapter();
    try {
      // After a panic the module may be unusable; freeing can throw again.
      wasm.free();
    } catch {
      // Already broken; its memory goes with the page.
    }
    report(toReticentError(thrown));
  }

  function report(err: ReticentError): void {
    try {
      if (options.onError) options.onError(err);
      else console.error('[reticent] recorder stopped:', err);
    } catch {
      // onError must not throw into our timers; swallow.
    }
  }

  /** Runs a call into the module (or our own code); on any throw, stops the recorder. */
  function guard<T>(call: () => T): { ok: true; value: T } | { ok: false } {
    try {
      return { ok: true, value: call() };
    } catch (thrown) {
      fail(thrown);
      return { ok: false };
    }
  }

  function every(ms: number, callback: () => void): boolean {
    return guard(() => intervals.push(timers.setInterval(callback, ms))).ok;
  }

  /**
   * Takes the pending events as one batch (with the drop count) and hands it
   * to the compression stage, which puts it into the queue in order. With
   * `exit`, compression does not start: the caller drains the stage on this
   * thread next (page exit).
   */
  function takeIntoQueue(exit = false): Promise<void> {
    const q = getQueue();
    const pending = guard(() => wasm.pendingEvents());
    if (!pending.ok) return Promise.resolve();
    const carried = q.claimDropped();
    const taken = guard(() => wasm.takeRawBatch(carried));
    if (!taken.ok) return Promise.resolve();
    if (taken.value === undefined) {
      q.releaseClaim(carried);
      return Promise.resolve();
    }
    baseline = 0;
    const events = pending.value;
    const seq = sequence++;
    return getPipeline().submit(
      taken.value,
      (bytes, toExit) => {
        if (events >= MIN_EVENTS_TO_ESTIMATE) bytesPerEvent = bytes.byteLength / events;
        return q.push(bytes, seq, carried, toExit);
      },
      exit,
    );
  }

  /**
   * Renews the session when it is too old, or when activity resumes after
   * `idleTimeout`; otherwise notes activity. `true` when it renewed (the
   * caller's page view is over).
   */
  function checkSession(): boolean {
    if (session === undefined) return false;
    const t = now();
    if (t - session.started >= policy.maxSessionDuration) {
      // The old session's last events still go out, unless they are an unsent window.
      if (phase === 'continuous') takeIntoQueue().catch(() => undefined);
      renewSession();
      return true;
    }
    const pending = guard(() => wasm.pendingEvents());
    if (!pending.ok) return true;
    if (pending.value > baseline) {
      if (t - session.lastActivity >= policy.idleTimeout) {
        // The events since the pause belong to the new session: its snapshot shows their result.
        renewSession();
        return true;
      }
      session.lastActivity = t;
      const entry = session;
      if (!guard(() => store.write(entry)).ok) return true;
    }
    return false;
  }

  function renewSession(): void {
    quiesce();
    if (!guard(() => wasm.withdrawConsent()).ok) return;
    const opened = guard(() => openSession(store, policy, now(), newId, random, true));
    if (!opened.ok) return;
    session = opened.value;
    beginPageView();
  }

  /**
   * Whether the module still records. It stops by itself when one of its
   * page callbacks fails (its consent state then reads `denied`): the
   * recorder then stops too and reports it once.
   */
  function alive(): boolean {
    const s = guard(() => wasm.consentState);
    if (!s.ok) return false;
    if (s.value === 'granted') return true;
    // The module keeps the error that stopped it; report that one if it can be had.
    const taken = guard(() => wasm.takeError());
    const cause = taken.ok ? taken.value : undefined;
    fail(cause ?? new ReticentError('INTERNAL', 'the WebAssembly recorder stopped on its own (a page callback failed)'));
    return false;
  }

  /**
   * Whether the core stopped because an SPA navigation led to an excluded
   * page (it dropped its buffer, as on a withdrawal): then the page view is
   * over, and what this side kept of it (the on-trigger window) goes too.
   */
  function enteredExcludedPage(): boolean {
    const excluded = guard(() => wasm.excluded);
    if (!excluded.ok) return true;
    if (!excluded.value) return false;
    waitWhileExcluded();
    return true;
  }

  /** Records nothing until the address leaves the excluded pages (checked every `flushInterval`). */
  function waitWhileExcluded(): void {
    quiesce();
    phase = 'excluded';
    every(options.flushInterval, excludedTick);
  }

  /** While excluded: once the address is no longer excluded, a new page view starts. */
  function excludedTick(): void {
    if (state !== 'granted' || phase !== 'excluded') return;
    const excluded = guard(() => wasm.isPageExcluded());
    if (!excluded.ok || excluded.value) return;
    quiesce();
    if (!guard(() => wasm.withdrawConsent()).ok) return;
    beginPageView();
  }

  /** Flush tick of the continuous phase. */
  function tick(): void {
    if (state !== 'granted' || phase !== 'continuous') return;
    if (!alive() || enteredExcludedPage() || checkSession()) return;
    takeIntoQueue().catch(() => undefined);
  }

  /** Early flush when the pending events probably exceed `maxBatchBytes`. */
  function sizeTick(): void {
    if (state !== 'granted' || phase !== 'continuous' || !alive()) return;
    const pending = guard(() => wasm.pendingEvents());
    if (pending.ok && pending.value * bytesPerEvent >= options.maxBatchBytes) tick();
  }

  /** Segment tick of the on-trigger window: close a segment, open the next with a snapshot. */
  function segmentTick(): void {
    if (state !== 'granted' || phase !== 'window' || kept === undefined) return;
    if (!alive() || enteredExcludedPage() || checkSession()) return;
    const w = kept;
    const taken = guard(() => wasm.takeRawBatch(0));
    if (!taken.ok) return;
    if (taken.value !== undefined) {
      const seq = sequence++;
      getPipeline()
        .submit(taken.value, (bytes) => w.add({ bytes, sequence: seq }))
        .catch(() => undefined);
    }
    if (!guard(() => wasm.checkpoint()).ok) return;
    const pending = guard(() => wasm.pendingEvents());
    baseline = pending.ok ? pending.value : 0;
  }

  function onExit(): void {
    if (state !== 'granted' || phase !== 'continuous' || !alive()) return;
    // Synchronous: the page may not live to run a worker's answer. Every
    // batch still being compressed, and the last one, are compressed here.
    takeIntoQueue(true).catch(() => undefined);
    guard(() => getPipeline().drainNow());
    if (state !== 'granted') return;
    guard(() => getQueue().sendForExit());
  }

  /** Starts a page view of the current session in the core, then the phase's timers. */
  function beginPageView(): void {
    const entry = session;
    if (entry === undefined || state !== 'granted') return;
    if (!entry.sampled) {
      phase = 'idle';
      return;
    }
    // `privacy.excludePages`: nothing at all is recorded on such a page.
    const excluded = guard(() => wasm.isPageExcluded());
    if (!excluded.ok) return;
    if (excluded.value) {
      waitWhileExcluded();
      return;
    }
    let pageViewId: string;
    try {
      pageViewId = newId();
    } catch (thrown) {
      fail(thrown);
      return;
    }
    // The compression worker first: the module's grantConsent walks the
    // first slice of the page at once, and each step of a worker's start
    // that needs this thread waits for the slice in progress. Started after
    // that slice, the worker's first task ran 57–81 ms after consent on the
    // bench page; started before it, 50–58 ms (medians of 6–10 runs). A
    // page whose walk ends before the worker is up waits for it.
    if (!guard(() => getPipeline().warm()).ok) return;
    if (!guard(() => wasm.grantConsent(entry.id, pageViewId)).ok) return;
    sequence = 0;
    baseline = 0;
    if (options.mode === 'on-trigger' && !entry.triggered) {
      phase = 'window';
      const pending = guard(() => wasm.pendingEvents());
      if (!pending.ok) return;
      baseline = pending.value;
      kept = new TriggerWindow(TRIGGER_SEGMENTS_KEPT, options.maxQueueBytes);
      if (!every(options.triggerWindow / 2, segmentTick)) return;
      const page = deps.page ?? browserTargets();
      if (page) {
        const added = guard(() => listenErrors(page, (name) => trigger(name)));
        if (added.ok) removers.push(added.value);
      }
    } else {
      startContinuous();
    }
  }

  function startContinuous(): void {
    phase = 'continuous';
    takeIntoQueue().catch(() => undefined);
    if (state !== 'granted') return;
    if (!sendSnapshotWhenComplete()) return;
    if (!every(options.flushInterval, tick)) return;
    if (options.flushInterval > SIZE_CHECK_INTERVAL && !every(SIZE_CHECK_INTERVAL, sizeTick)) return;
    const page = deps.page ?? browserTargets();
    if (page) {
      const added = guard(() => listenExit(page, onExit));
      if (added.ok) removers.push(added.value);
    }
  }

  /**
   * A large page's first snapshot is taken in slices and reaches the buffer
   * only once complete: checks every {@link SNAPSHOT_CHECK_INTERVAL} ms and
   * sends it then, so it does not wait for the next flush (the visitor may
   * leave before). `false` when the check could not be scheduled.
   */
  function sendSnapshotWhenComplete(): boolean {
    const slicing = guard(() => wasm.snapshotPending);
    if (!slicing.ok) return false;
    if (!slicing.value) return true;
    const added = guard(() => timers.setInterval(check, SNAPSHOT_CHECK_INTERVAL));
    if (!added.ok) return false;
    const handle = added.value;
    intervals.push(handle);
    function done(): void {
      intervals = intervals.filter((h) => h !== handle);
      guard(() => timers.clearInterval(handle));
    }
    function check(): void {
      if (state !== 'granted' || phase !== 'continuous') return done();
      const still = guard(() => wasm.snapshotPending);
      if (!still.ok || still.value) return;
      done();
      takeIntoQueue().catch(() => undefined);
    }
    return true;
  }

  /**
   * `recorder.trigger(reason)`, or an uncaught error in the window phase:
   * records the reason (scrubbed by the core) and, in the window phase,
   * sends the window and records continuously from now on.
   */
  function trigger(reason: string | undefined): void {
    if (state !== 'granted' || session === undefined) return;
    if (phase === 'continuous') {
      guard(() => wasm.recordTrigger(reason));
      return;
    }
    if (phase !== 'window' || kept === undefined) return;
    const w = kept;
    const q = getQueue();
    // Segments still being compressed follow the ones held, in order.
    w.release((s) => void q.push(s.bytes, s.sequence, 0).catch(() => undefined));
    quiesce();
    const entry = session;
    entry.triggered = true;
    if (!guard(() => store.write(entry)).ok) return;
    if (!guard(() => wasm.recordTrigger(reason)).ok) return;
    startContinuous();
  }

  function stopAdapter(): void {
    try {
      adapter.stop();
    } catch {
      // A broken adapter cannot be stopped more; its signals are ignored below.
    }
  }

  /** Consent granted: continue or open the session, then start a page view. */
  function startRecording(): void {
    if (state === 'granted' || state === 'stopped' || optedOut || pageWithdrew) return;
    const opened = guard(() => openSession(store, policy, now(), newId, random, deniedSinceSession));
    if (!opened.ok) return;
    deniedSinceSession = false;
    session = opened.value;
    state = 'granted';
    beginPageView();
  }

  /**
   * Stops at once; the core and the queue drop everything unsent. Nothing to
   * do unless recording. The stored session is deleted, unless `pause` (the
   * CMP said `unknown`): the next grant then continues it.
   */
  function stopRecording(pause = false): void {
    if (state !== 'granted') return;
    state = 'withdrawn';
    phase = 'idle';
    quiesce();
    dropCompressing();
    queue?.clear();
    session = undefined;
    if (!pause) guard(() => store.remove());
    guard(() => wasm.withdrawConsent());
  }

  function onSignal(signal: ConsentSignal): void {
    if (state === 'stopped') return;
    if (signal === 'granted') return startRecording();
    // `unknown` (no answer yet, or the CMP still loading) pauses; only a
    // denial ends the session (a returning visitor's CMP may say `unknown`
    // before `granted` on every page).
    if (signal === 'denied') deniedSinceSession = true;
    stopRecording(signal === 'unknown');
  }

  if (!optedOut) {
    try {
      adapter.start(onSignal);
    } catch (thrown) {
      fail(thrown);
    }
  }

  return {
    grantConsent(): void {
      if (adapter instanceof ManualAdapter && !optedOut) {
        pageWithdrew = false;
        adapter.set('granted');
      }
    },

    withdrawConsent(): void {
      deniedSinceSession = true;
      if (state === 'stopped') {
        // Stopped by a failure: nothing records, but the stored session must
        // not outlive the withdrawal (a later page would continue it).
        guard(() => store.remove());
        return;
      }
      if (adapter instanceof ManualAdapter) adapter.set('denied');
      else pageWithdrew = true;
      stopRecording();
    },

    flush(): Promise<void> {
      if (state !== 'granted' || phase !== 'continuous') return Promise.resolve();
      return takeIntoQueue().catch(() => undefined);
    },

    trigger(reason?: string): void {
      try {
        trigger(typeof reason === 'string' ? reason : undefined);
      } catch (thrown) {
        fail(thrown);
      }
    },

    stop(): void {
      if (state === 'stopped') return;
      const wasGranted = state === 'granted';
      state = 'stopped';
      quiesce();
      dropCompressing();
      queue?.close();
      stopAdapter();
      if (wasGranted) {
        try {
          store.remove();
        } catch {
          // Stopping anyway.
        }
      }
      try {
        wasm.withdrawConsent();
      } catch {
        // Stopping anyway.
      }
      try {
        wasm.free();
      } catch {
        // Stopping anyway.
      }
    },
  };
}
