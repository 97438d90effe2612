/**
 * The public recorder object: consent, flush timer, and the guard that turns
 * any failure of the WebAssembly module into one `onError` report.
 *
 * @packageDocumentation
 */

import { browserOptsOut, createAdapter, ManualAdapter, type ConsentAdapter, type ConsentSignal } from './consent/index.js';
import { toReticentError, type ReticentError } from './errors.js';
import { randomId } from './ids.js';
import type { ResolvedOptions } from './options.js';
import { createTransport, type Send } from './transport.js';
import type { WasmRecorder } from './wasm/contract.js';

/**
 * A recorder returned by `init()`. It does nothing (no observer, timer,
 * storage access or network request) until its consent source says
 * `granted`. No method throws; after a failure the recorder is stopped and
 * every method is a no-op.
 */
export interface Recorder {
  /**
   * With `consent: 'manual'`: records from now on: takes a full snapshot of
   * the page with fresh random session and page-view ids, sends it at once,
   * then flushes every `flushInterval` ms. Calling it again while recording
   * does nothing. With a CMP, only the CMP grants consent and this does
   * nothing. It also does nothing when the browser opted out (Global Privacy
   * Control, and Do Not Track if respected).
   */
  grantConsent(): void;
  /**
   * Stops recording at once and drops every event not yet sent. With
   * `'manual'`, nothing more is recorded until `grantConsent()` (a new
   * session). With a CMP, the page's withdrawal holds until the page is
   * reloaded, whatever the CMP says afterwards.
   */
  withdrawConsent(): void;
  /**
   * Sends the pending events now, as one batch. Resolves once the batch was
   * sent or failed (or at once when there is nothing to send or no consent);
   * never rejects.
   */
  flush(): Promise<void>;
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
}

/** What {@link createRecorder} needs; everything but `wasm` and `options` has a browser default. */
export interface RecorderDeps {
  /** The WebAssembly recorder this object owns (it frees it on stop or failure). */
  readonly wasm: WasmRecorder;
  /** Validated options. */
  readonly options: ResolvedOptions;
  /** Sends one batch; defaults to {@link createTransport} on `options.endpoint`. */
  readonly send?: Send;
  /** Id generator; defaults to {@link randomId}. */
  readonly newId?: () => string;
  /** Timers; default to the globals. */
  readonly timers?: Timers;
  /** The consent source; defaults to the adapter named by `options.consent`. */
  readonly adapter?: ConsentAdapter;
  /** Whether the browser asks not to be recorded; defaults to {@link browserOptsOut}. */
  readonly optedOut?: boolean;
}

const globalTimers: Timers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

type State = 'waiting' | 'granted' | 'withdrawn' | 'stopped';

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
  const send = deps.send ?? createTransport(options);
  const newId = deps.newId ?? randomId;
  const timers = deps.timers ?? globalTimers;
  const adapter = deps.adapter ?? createAdapter(options.consent);
  const optedOut = deps.optedOut ?? safeOptOut(options);
  /** Set when the page itself withdrew consent given by a CMP: it holds for the page's life. */
  let pageWithdrew = false;

  let state: State = 'waiting';
  let timer: unknown;

  function clearTimer(): void {
    if (timer !== undefined) {
      const handle = timer;
      timer = undefined;
      try {
        timers.clearInterval(handle);
      } catch {
        // Nothing we can do; the callback checks the state anyway.
      }
    }
  }

  /** Stops everything and reports `thrown` once. */
  function fail(thrown: unknown): void {
    if (state === 'stopped') return;
    state = 'stopped';
    clearTimer();
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

  /** Runs a call into the module; on any throw, stops the recorder. */
  function guard<T>(call: () => T): { ok: true; value: T } | { ok: false } {
    try {
      return { ok: true, value: call() };
    } catch (thrown) {
      fail(thrown);
      return { ok: false };
    }
  }

  async function flush(): Promise<void> {
    if (state !== 'granted') return;
    const taken = guard(() => wasm.takeBatch());
    if (!taken.ok || taken.value === undefined) return;
    try {
      await send(taken.value);
    } catch {
      // `send` never rejects; this only protects against an injected one that does.
    }
  }

  function tick(): void {
    flush().catch(() => undefined);
  }

  function stopAdapter(): void {
    try {
      adapter.stop();
    } catch {
      // A broken adapter cannot be stopped more; its signals are ignored below.
    }
  }

  /** Starts a session: fresh ids, full snapshot, immediate flush, then the timer. */
  function startRecording(): void {
    if (state === 'granted' || state === 'stopped' || optedOut || pageWithdrew) return;
    let sessionId: string;
    let pageViewId: string;
    try {
      sessionId = newId();
      pageViewId = newId();
    } catch (thrown) {
      fail(thrown);
      return;
    }
    if (!guard(() => wasm.grantConsent(sessionId, pageViewId)).ok) return;
    state = 'granted';
    tick();
    if (state !== 'granted') return;
    try {
      timer = timers.setInterval(tick, options.flushInterval);
    } catch (thrown) {
      fail(thrown);
    }
  }

  /** Stops at once; the core drops everything unsent. Nothing to do unless recording. */
  function stopRecording(): void {
    if (state !== 'granted') return;
    clearTimer();
    state = 'withdrawn';
    guard(() => wasm.withdrawConsent());
  }

  function onSignal(signal: ConsentSignal): void {
    if (state === 'stopped') return;
    if (signal === 'granted') startRecording();
    else stopRecording();
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
      if (state === 'stopped') return;
      if (adapter instanceof ManualAdapter) adapter.set('denied');
      else pageWithdrew = true;
      stopRecording();
    },

    flush(): Promise<void> {
      return flush().catch(() => undefined);
    },

    stop(): void {
      if (state === 'stopped') return;
      state = 'stopped';
      clearTimer();
      stopAdapter();
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
