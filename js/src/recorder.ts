/**
 * The public recorder object: consent, flush timer, and the guard that turns
 * any failure of the WebAssembly module into one `onError` report.
 *
 * @packageDocumentation
 */

import { toReticentError, type ReticentError } from './errors.js';
import { randomId } from './ids.js';
import type { ResolvedOptions } from './options.js';
import { createTransport, type Send } from './transport.js';
import type { WasmRecorder } from './wasm/contract.js';

/**
 * A recorder returned by `init()`. It does nothing (no observer, timer,
 * storage access or network request) until {@link Recorder.grantConsent}.
 * No method throws; after a failure the recorder is stopped and every method
 * is a no-op.
 */
export interface Recorder {
  /**
   * Records from now on: takes a full snapshot of the page with fresh random
   * session and page-view ids, sends it at once, then flushes every
   * `flushInterval` ms. Calling it again while consent is granted does nothing.
   */
  grantConsent(): void;
  /**
   * Stops recording and drops every event not yet sent. Nothing more is sent
   * until consent is granted again (which starts a new session).
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
}

const globalTimers: Timers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

type State = 'waiting' | 'granted' | 'withdrawn' | 'stopped';

/** Creates the public {@link Recorder} around a WebAssembly recorder. */
export function createRecorder(deps: RecorderDeps): Recorder {
  const { wasm, options } = deps;
  const send = deps.send ?? createTransport(options);
  const newId = deps.newId ?? randomId;
  const timers = deps.timers ?? globalTimers;

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

  return {
    grantConsent(): void {
      if (state === 'granted' || state === 'stopped') return;
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
    },

    withdrawConsent(): void {
      if (state === 'stopped') return;
      clearTimer();
      state = 'withdrawn';
      guard(() => wasm.withdrawConsent());
    },

    flush(): Promise<void> {
      return flush().catch(() => undefined);
    },

    stop(): void {
      if (state === 'stopped') return;
      state = 'stopped';
      clearTimer();
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
