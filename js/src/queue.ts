/**
 * The bounded, ordered queue of encoded batches waiting for the collector:
 * one request in flight at a time, retries with backoff, oldest batches
 * dropped first when the queue is over its byte cap, and an exact count of
 * the dropped batches for the next batch header.
 *
 * @packageDocumentation
 */

import type { Beacon } from './beacon.js';
import { backoffDelay } from './retry.js';
import { newAbortController, normaliseOutcome, type KeepaliveBudget, type SendInfo, type SendOutcome, type TimeoutTimers } from './transport.js';

/** Default of the `maxQueueBytes` option: 2 MiB of encoded batches. */
export const DEFAULT_MAX_QUEUE_BYTES = 2 * 1024 * 1024;

/** What {@link BatchQueue} needs. */
export interface QueueDeps {
  /** Makes one attempt; may resolve an outcome, `true`/`undefined` (accepted) or `false` (retry). */
  readonly send: (batch: Uint8Array, info: SendInfo) => Promise<SendOutcome | boolean | void>;
  /** Cap on the bytes of batches held (queued and in flight). */
  readonly maxQueueBytes: number;
  /** Backoff timer. */
  readonly timers: TimeoutTimers;
  /** Uniform draw in `[0, 1)` for the jitter; default `Math.random`. */
  readonly random?: () => number;
  /**
   * The keepalive accounting of the `fetch` transport. On page exit, a batch
   * that does not fit in what is left of it goes by {@link QueueDeps.beacon},
   * or waits. Absent for a custom `transport` hook, which gets every batch
   * with `exit: true` and decides itself.
   */
  readonly budget?: KeepaliveBudget;
  /** The page-exit beacon, when it may be used (see beacon.ts). */
  readonly beacon?: Beacon;
}

interface Entry {
  readonly bytes: Uint8Array;
  readonly sequence: number;
  /** The `dropped` value written in this batch's header. */
  readonly carried: number;
  state: 'queued' | 'inflight';
  attempts: number;
  waiters: Array<() => void>;
}

/**
 * Batches in production order. Invariant, for every batch the recorder
 * produced while the queue was open: it is accepted by the collector, or it
 * is dropped and counted: each dropped batch adds 1 plus the `dropped` value
 * of its own header to {@link BatchQueue.dropped}, which the recorder writes
 * into the next batch. So over a recording, accepted batches + the sum of
 * their `dropped` headers = batches produced (once a last batch is accepted).
 *
 * A batch is sent again only after an attempt failed (network error,
 * timeout, 408, 429, 5xx). A timed-out attempt the collector did store is
 * therefore sent twice; collectors are idempotent on
 * sessionId + pageViewId + sequence, so that is safe.
 */
export class BatchQueue {
  private entries: Entry[] = [];
  private heldBytes = 0;
  private pendingDropped = 0;
  /** Part of {@link pendingDropped} written into batches taken but not pushed yet. */
  private claimed = 0;
  private droppedTotal = 0;
  private backoffTimer: unknown = undefined;
  private closed = false;
  /** One per attempt in flight, aborted by {@link clear}. */
  private readonly aborts = new Set<AbortController>();
  private readonly random: () => number;

  constructor(private readonly deps: QueueDeps) {
    this.random = deps.random ?? Math.random;
  }

  /**
   * Dropped batches not yet reported in a batch header: pass it to
   * `takeBatch(dropped)` when the batch is pushed at once (else see
   * {@link claimDropped}).
   */
  get dropped(): number {
    return this.pendingDropped;
  }

  /**
   * The `dropped` value for a batch taken now but pushed later (it is
   * compressed meanwhile): {@link dropped} less what batches taken earlier
   * and not pushed yet already carry, so no drop is written twice. Pass the
   * result to `takeBatch` and to {@link push}, or to {@link releaseClaim}
   * when no batch was taken after all.
   */
  claimDropped(): number {
    const n = Math.max(0, this.pendingDropped - this.claimed);
    this.claimed += n;
    return n;
  }

  /** Gives back a {@link claimDropped} whose batch will never be pushed. */
  releaseClaim(carried: number): void {
    this.claimed = Math.max(0, this.claimed - carried);
  }

  /** Batches dropped since the queue was created (413/4xx answers and overflow). */
  get droppedSinceStart(): number {
    return this.droppedTotal;
  }

  /** Bytes held (queued and in flight). */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Batches held (queued and in flight). */
  get length(): number {
    return this.entries.length;
  }

  /**
   * Appends a batch whose header carries `carried` (the {@link dropped}
   * value read just before it was taken), drops the oldest queued batches
   * while over the byte cap, and starts sending.
   *
   * @param exit - the caller calls {@link sendForExit} next: do not start a normal send.
   * @returns a promise that resolves when this batch was accepted or dropped,
   *   when its first attempt failed, or when the queue starts waiting for a
   *   retry (so it never waits for a dead endpoint); it never rejects.
   */
  push(bytes: Uint8Array, sequence: number, carried: number, exit = false): Promise<void> {
    this.releaseClaim(carried);
    if (this.closed) return Promise.resolve();
    this.pendingDropped = Math.max(0, this.pendingDropped - carried);
    return new Promise<void>((resolve) => {
      const entry: Entry = { bytes, sequence, carried, state: 'queued', attempts: 0, waiters: [resolve] };
      this.entries.push(entry);
      this.heldBytes += bytes.byteLength;
      this.enforceCap();
      if (!exit) this.pump();
      // Already waiting for a retry: nobody waits on a dead endpoint.
      if (this.backoffTimer !== undefined) resolveAll(entry);
    });
  }

  /**
   * The page is being hidden or unloaded: sends every queued batch now,
   * without waiting for the batch in flight or a backoff (the page may not
   * live to see them), each with `exit: true`: by keepalive `fetch` while it
   * fits in the keepalive budget, else by beacon when allowed, else it stays
   * queued for the normal path (sent if the page lives on). Several requests
   * may then be in flight at once; the collector orders batches by sequence.
   */
  sendForExit(): void {
    if (this.closed) return;
    for (const entry of this.entries.slice()) {
      if (entry.state !== 'queued') continue;
      const size = entry.bytes.byteLength;
      const b = this.deps.budget;
      if (!b || b.used + size <= b.limit) {
        this.attempt(entry, true);
      } else if (this.deps.beacon && size <= b.limit && this.deps.beacon(entry.bytes)) {
        // Queued by the browser: the outcome cannot be known; count it as delivered.
        this.remove(entry);
      }
    }
    this.pump();
  }

  /**
   * Drops everything held, uncounted (consent was withdrawn or the recorder
   * stopped: unsent data must not leave the page). Requests in flight are
   * aborted through their {@link SendInfo.signal} (what the collector already
   * received cannot be recalled); their answers are ignored.
   */
  clear(): void {
    this.cancelBackoff();
    const inflight = [...this.aborts];
    this.aborts.clear();
    for (const controller of inflight) {
      try {
        controller.abort();
      } catch {
        // Best effort: the answer is ignored anyway.
      }
    }
    const entries = this.entries;
    this.entries = [];
    this.heldBytes = 0;
    this.pendingDropped = 0;
    this.claimed = 0;
    for (const e of entries) resolveAll(e);
  }

  /** {@link clear}, and refuses anything pushed later. */
  close(): void {
    this.clear();
    this.closed = true;
  }

  /**
   * Drops the oldest queued batches until the held bytes fit the cap. The
   * newest batch is never dropped for it: a batch larger than the cap on
   * its own (a large page's snapshot under a small `maxQueueBytes`) would
   * otherwise be dropped as it arrives, and the recording could not be
   * replayed. So the queue holds at most the cap plus one batch.
   */
  private enforceCap(): void {
    const newest = this.entries[this.entries.length - 1];
    while (this.heldBytes > this.deps.maxQueueBytes) {
      const oldest = this.entries.find((e) => e.state === 'queued' && e !== newest);
      if (!oldest) return;
      this.drop(oldest);
    }
  }

  private drop(entry: Entry): void {
    this.pendingDropped += 1 + entry.carried;
    this.droppedTotal += 1;
    this.remove(entry);
  }

  private remove(entry: Entry): void {
    const at = this.entries.indexOf(entry);
    if (at < 0) return;
    this.entries.splice(at, 1);
    this.heldBytes -= entry.bytes.byteLength;
    resolveAll(entry);
  }

  private pump(): void {
    if (this.closed || this.backoffTimer !== undefined) return;
    if (this.entries.some((e) => e.state === 'inflight')) return;
    const head = this.entries.find((e) => e.state === 'queued');
    if (head) this.attempt(head, false);
  }

  private attempt(entry: Entry, exit: boolean): void {
    entry.state = 'inflight';
    entry.attempts += 1;
    const controller = newAbortController();
    if (controller) this.aborts.add(controller);
    const info: SendInfo = controller ? { sequence: entry.sequence, exit, signal: controller.signal } : { sequence: entry.sequence, exit };
    let sending: Promise<unknown>;
    try {
      sending = Promise.resolve(this.deps.send(entry.bytes, info));
    } catch {
      sending = Promise.resolve(false);
    }
    sending
      .then(normaliseOutcome, (): SendOutcome => ({ kind: 'retry' }))
      .then((outcome) => {
        if (controller) this.aborts.delete(controller);
        this.settle(entry, outcome);
      })
      .catch(() => undefined);
  }

  private settle(entry: Entry, outcome: SendOutcome): void {
    if (!this.entries.includes(entry)) return; // cleared meanwhile
    switch (outcome.kind) {
      case 'accepted':
        this.remove(entry);
        break;
      case 'rejected':
        this.drop(entry);
        break;
      case 'retry': {
        entry.state = 'queued';
        if (this.backoffTimer === undefined) {
          const delay = Math.max(backoffDelay(entry.attempts, this.random), outcome.retryAfterMs ?? 0);
          this.backoffTimer = this.deps.timers.setTimeout(() => {
            this.backoffTimer = undefined;
            this.pump();
          }, delay);
        }
        // Nobody waits on a dead endpoint: flush() callers are released now.
        for (const e of this.entries) resolveAll(e);
        this.enforceCap();
        break;
      }
    }
    this.pump();
  }

  private cancelBackoff(): void {
    if (this.backoffTimer === undefined) return;
    const handle = this.backoffTimer;
    this.backoffTimer = undefined;
    try {
      this.deps.timers.clearTimeout(handle);
    } catch {
      // The callback only pumps an empty or closed queue.
    }
  }
}

function resolveAll(entry: Entry): void {
  const waiters = entry.waiters;
  entry.waiters = [];
  for (const w of waiters) w();
}
