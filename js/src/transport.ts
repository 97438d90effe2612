/**
 * One attempt to deliver one batch: a `POST` with `fetch` (with `keepalive`
 * while the page's keepalive quota allows), a timeout, and the answer sorted
 * into accepted / retry / rejected. The retry policy and the queue live in
 * queue.ts; the page-exit `sendBeacon` path in beacon.ts.
 *
 * The transport only ever sees bytes the WebAssembly core produced (already
 * masked, encoded and compressed).
 *
 * @packageDocumentation
 */

import { parseRetryAfter } from './retry.js';

/**
 * The media type of a batch body.
 *
 * The body IS a gzip file (gzip'd MessagePack), so no `Content-Encoding`
 * header is set: that header would invite proxies and servers to decompress
 * the body before the collector sees it. The collector gunzips the body
 * itself, with its own size caps.
 */
export const BATCH_CONTENT_TYPE = 'application/vnd.reticent.batch+msgpack';

/**
 * The keepalive budget, in body bytes. Browsers cap the total of in-flight
 * keepalive bodies (fetch `keepalive` and `sendBeacon`) at 64 KiB per page;
 * Reticent keeps its own in-flight keepalive bytes under 60 KiB, leaving the
 * rest for the site's other beacons. A body that does not fit goes with a
 * normal `fetch`.
 */
export const KEEPALIVE_MAX_BYTES = 60 * 1024;

/** Default request timeout, in milliseconds (option `requestTimeout`). */
export const DEFAULT_REQUEST_TIMEOUT = 15_000;

/** Context of one attempt. */
export interface SendInfo {
  /** The batch's sequence number within its page view (as written in its header). */
  readonly sequence: number;
  /** The page is being hidden or unloaded: use a request that survives it. */
  readonly exit: boolean;
  /**
   * Aborted when consent is withdrawn or the recorder stops while this
   * attempt is in flight: unsent data must not leave the page, so cancel the
   * request (bytes the collector already received cannot be recalled).
   * Absent where `AbortController` is missing.
   */
  readonly signal?: AbortSignal;
}

/** How one attempt ended. */
export type SendOutcome =
  /** The collector answered 2xx (or the batch was handed to `sendBeacon`). */
  | { readonly kind: 'accepted' }
  /** Network error, timeout, 408, 429 or 5xx: try again later (`retryAfterMs` from `Retry-After`). */
  | { readonly kind: 'retry'; readonly status?: number; readonly retryAfterMs?: number }
  /** Any other status (413 and the other 4xx): sending again would not help; the batch is dropped. */
  | { readonly kind: 'rejected'; readonly status: number };

/** Makes one attempt. Never rejects: every failure is an outcome. */
export type Send = (batch: Uint8Array, info: SendInfo) => Promise<SendOutcome>;

/** `setTimeout` / `clearTimeout`, injectable for tests. */
export interface TimeoutTimers {
  /** Like the global `setTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Like the global `clearTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** Tracks the bytes of this recorder's keepalive requests in flight. */
export class KeepaliveBudget {
  private inFlight = 0;

  /** @param limit - the budget in bytes ({@link KEEPALIVE_MAX_BYTES}). */
  constructor(readonly limit: number = KEEPALIVE_MAX_BYTES) {}

  /** Reserves `bytes` if they fit in what is left; `true` when reserved. */
  tryReserve(bytes: number): boolean {
    if (this.inFlight + bytes > this.limit) return false;
    this.inFlight += bytes;
    return true;
  }

  /** Gives back a reservation once its request has ended. */
  release(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }

  /** Bytes reserved right now. */
  get used(): number {
    return this.inFlight;
  }
}

/** What {@link createTransport} needs. */
export interface TransportOptions {
  /** Absolute URL, or relative reference resolved by `fetch` against the page's base URL. */
  readonly endpoint: string;
  /** Extra headers sent with every batch (already validated). */
  readonly headers: Readonly<Record<string, string>>;
  /** `fetch` credentials mode; default `'omit'` (no cookies go to the collector). */
  readonly credentials?: RequestCredentials;
  /** Milliseconds before an attempt is aborted and counted as a failure; default {@link DEFAULT_REQUEST_TIMEOUT}. */
  readonly requestTimeout?: number;
  /** The `fetch` to use; defaults to the global one (tests inject a fake). */
  readonly fetch?: typeof fetch;
  /** Shared keepalive accounting (one per recorder). */
  readonly budget?: KeepaliveBudget;
  /** Timers for the timeout; default to the globals. */
  readonly timers?: TimeoutTimers;
  /** Clock for `Retry-After` dates; default `Date.now`. */
  readonly now?: () => number;
}

const globalTimeouts: TimeoutTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** An `AbortController`, or `undefined` where there is none (or it throws). */
export function newAbortController(): AbortController | undefined {
  try {
    return typeof AbortController === 'function' ? new AbortController() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the {@link Send} function for an endpoint.
 *
 * Each request: `POST`, `Content-Type: application/vnd.reticent.batch+msgpack`
 * plus the caller's headers, `credentials` as configured (`'omit'` by default),
 * `referrerPolicy: 'strict-origin'` (the page's full URL, whose query may
 * hold personal data, is never sent as `Referer`), `cache: 'no-store'`, and
 * `keepalive: true` while this recorder's in-flight keepalive bytes stay
 * within {@link KEEPALIVE_MAX_BYTES}. An attempt is aborted after
 * `requestTimeout` ms. The response body is not read.
 */
export function createTransport(options: TransportOptions): Send {
  const { endpoint } = options;
  const headers: Record<string, string> = { ...options.headers, 'Content-Type': BATCH_CONTENT_TYPE };
  const budget = options.budget ?? new KeepaliveBudget();
  const timers = options.timers ?? globalTimeouts;
  const timeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT;
  const now = options.now ?? Date.now;
  const credentials = options.credentials ?? 'omit';

  return async (batch, info) => {
    if (info.signal?.aborted) return { kind: 'retry' };
    const size = batch.byteLength;
    const keepalive = budget.tryReserve(size);
    const controller = newAbortController();
    // Aborted by the timeout below, and by the queue's signal (withdrawal,
    // stop). Best effort: the outcome is already decided then.
    const abort = (): void => {
      try {
        controller?.abort();
      } catch {
        // Nothing more to do.
      }
    };
    try {
      info.signal?.addEventListener('abort', abort, { once: true });
    } catch {
      // A signal we cannot listen to: the request runs to its end, its answer ignored.
    }
    let timer: unknown;
    let timedOut = false;
    const expiry = new Promise<SendOutcome>((resolve) => {
      timer = timers.setTimeout(() => {
        timedOut = true;
        abort();
        resolve({ kind: 'retry' });
      }, timeout);
    });
    let released = false;
    const release = (): void => {
      if (keepalive && !released) {
        released = true;
        budget.release(size);
      }
    };
    try {
      const fetchFn = options.fetch ?? globalThis.fetch;
      const attempt = (async (): Promise<SendOutcome> => {
        const init: RequestInit = {
          method: 'POST',
          mode: 'cors',
          credentials,
          cache: 'no-store',
          referrerPolicy: 'strict-origin',
          keepalive,
          headers,
          body: batch as Uint8Array<ArrayBuffer>,
        };
        if (controller) init.signal = controller.signal;
        const response = await fetchFn(endpoint, init);
        discardBody(response);
        return classify(response, now());
      })()
        .catch((): SendOutcome => ({ kind: 'retry' }))
        // The browser counts a keepalive body against its quota until the request
        // settles, even after a timeout: give the budget back only then.
        .finally(release);
      const outcome = await Promise.race([attempt, expiry]);
      return timedOut ? { kind: 'retry' } : outcome;
    } catch {
      release();
      return { kind: 'retry' };
    } finally {
      try {
        timers.clearTimeout(timer);
      } catch {
        // The timer only resolves a promise nobody waits for any more.
      }
      try {
        info.signal?.removeEventListener('abort', abort);
      } catch {
        // Nothing to remove.
      }
    }
  };
}

/** Sorts a response into an outcome (see {@link SendOutcome}). */
export function classify(response: Response, now: number): SendOutcome {
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: 'accepted' };
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) {
    let header: string | null = null;
    try {
      header = response.headers.get('Retry-After');
    } catch {
      header = null;
    }
    const retryAfterMs = parseRetryAfter(header, now);
    return retryAfterMs === undefined ? { kind: 'retry', status } : { kind: 'retry', status, retryAfterMs };
  }
  return { kind: 'rejected', status };
}

/**
 * Turns what an injected sender resolved to into an outcome: `true` or
 * `undefined` → accepted, `false` → retry, an outcome object → itself.
 */
export function normaliseOutcome(value: unknown): SendOutcome {
  if (value === undefined || value === true) return { kind: 'accepted' };
  if (typeof value === 'object' && value !== null) {
    const kind = (value as { kind?: unknown }).kind;
    if (kind === 'accepted' || kind === 'retry' || kind === 'rejected') return value as SendOutcome;
  }
  return { kind: 'retry' };
}

/**
 * What a `transport` hook's result means: `true` or nothing, stored; a
 * `fetch` `Response` (`return fetch(…)`), stored when `ok`; anything else
 * (`false`, `null`, a number, an object without `ok`), not known to be
 * stored, so retried: a batch is never taken for stored on a doubt.
 */
function hookOutcome(value: unknown): SendOutcome {
  if (value === true || value === undefined) return { kind: 'accepted' };
  let ok: unknown;
  try {
    ok = typeof value === 'object' && value !== null ? (value as { ok?: unknown }).ok : undefined;
  } catch {
    // A getter of the site's that throws: no proof either.
  }
  return ok === true ? { kind: 'accepted' } : { kind: 'retry' };
}

/** The signature of the `transport` option. */
export type TransportHook = (batch: Uint8Array, info: { sequence?: number; exit?: boolean; signal?: AbortSignal }) => Promise<boolean | void | { readonly ok: boolean }>;

/**
 * Wraps the site's `transport` hook as a {@link Send}: resolving `true`,
 * nothing or an `ok` `Response` means accepted; anything else, a rejection,
 * a throw, or no answer within `requestTimeout` means "failed, retry".
 */
export function hookTransport(hook: TransportHook, requestTimeout: number, timers: TimeoutTimers = globalTimeouts): Send {
  return async (batch, info) => {
    let timer: unknown;
    const expiry = new Promise<SendOutcome>((resolve) => {
      timer = timers.setTimeout(() => resolve({ kind: 'retry' }), requestTimeout);
    });
    try {
      const attempt = Promise.resolve()
        // `signal`: aborted on withdrawal or stop; the hook should cancel its request.
        .then(() => hook(batch, info.signal ? { sequence: info.sequence, exit: info.exit, signal: info.signal } : { sequence: info.sequence, exit: info.exit }))
        .then(hookOutcome, (): SendOutcome => ({ kind: 'retry' }));
      return await Promise.race([attempt, expiry]);
    } finally {
      try {
        timers.clearTimeout(timer);
      } catch {
        // See createTransport.
      }
    }
  };
}

function discardBody(response: Response): void {
  try {
    const body = response.body;
    if (body) body.cancel().catch(() => undefined);
  } catch {
    // Nothing to release.
  }
}
