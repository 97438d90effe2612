/**
 * The last step of producing a batch, gzip, off the main thread: a Web
 * Worker running the same WebAssembly module compresses the MessagePack
 * bytes `takeRawBatch` returned. When no worker can run (no `Worker`, a CSP
 * without `worker-src blob:`), or the worker fails, dies or stops answering,
 * the page's own instance compresses them on the main thread, as before:
 * a batch is always compressed, never sent raw.
 *
 * @packageDocumentation
 */

import type { TimeoutTimers } from './transport.js';
import type { FromWorker, ToWorker } from './worker/protocol.js';

/** The part of `Worker` used here (tests pass a fake). */
export interface WorkerLike {
  postMessage(message: ToWorker, transfer?: Transferable[]): void;
  terminate(): void;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessageerror: ((event: unknown) => void) | null;
}

/** What compression needs from the loaded module. */
export interface CompressionDeps {
  /** `gzipBatch` of the page's own instance: compresses on the calling thread; may throw. */
  readonly gzip: (raw: Uint8Array) => Uint8Array;
  /**
   * Starts a compression worker that was already sent the module (`init`),
   * or returns `undefined` when there can be none; may throw (a CSP that
   * forbids the worker). Absent: always compress on the main thread.
   */
  readonly spawnWorker?: () => WorkerLike | undefined;
}

/** A worker that makes no progress for this long (ms) while it has jobs is given up. */
export const WORKER_TIMEOUT = 10_000;

interface Job {
  readonly raw: Uint8Array;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (thrown: unknown) => void;
}

/** Whether `bytes` starts like a gzip member (the only thing ever sent). */
function looksGzipped(bytes: unknown): bytes is Uint8Array {
  return bytes instanceof Uint8Array && bytes.byteLength >= 18 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Compresses batches in a worker when it can, on the main thread otherwise.
 * The worker is started by the first {@link Compressor.compress} (after
 * consent: nothing exists before) and ended by {@link Compressor.reset}.
 * Once a worker failed, this compressor stays on the main thread.
 */
export class Compressor {
  private worker: WorkerLike | undefined;
  private broken = false;
  private jobs = new Map<number, Job>();
  private nextId = 1;
  private watchdog: unknown = undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly deps: CompressionDeps & { readonly timers: TimeoutTimers; readonly timeoutMs?: number },
  ) {
    this.timeoutMs = deps.timeoutMs ?? WORKER_TIMEOUT;
  }

  /** Where the next batch is compressed: `'worker'`, or `'main-thread'` (no worker, or it failed). */
  get mode(): 'worker' | 'main-thread' {
    return this.broken || this.deps.spawnWorker === undefined ? 'main-thread' : 'worker';
  }

  /** Jobs sent to the worker and not answered yet. */
  get inFlight(): number {
    return this.jobs.size;
  }

  /**
   * The wire bytes of `raw`, from the worker (answers come in the order the
   * jobs were sent) or, without one, computed now on this thread. Rejects
   * only when the main-thread fallback itself fails. After {@link reset},
   * the promises of the jobs it dropped never settle.
   */
  compress(raw: Uint8Array): Promise<Uint8Array> {
    const worker = this.ensureWorker();
    if (worker === undefined) {
      try {
        return Promise.resolve(this.compressNow(raw));
      } catch (thrown) {
        return Promise.reject(thrown);
      }
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const id = this.nextId++;
      this.jobs.set(id, { raw, resolve, reject });
      try {
        // A copy goes to the worker: `raw` stays here for the fallback.
        worker.postMessage({ type: 'gzip', id, raw });
      } catch {
        this.giveUp();
        return;
      }
      this.arm();
    });
  }

  /**
   * Starts the worker now, if there is to be one, so that it has booted
   * when the first batch comes: the recorder calls it as a page view
   * starts, before the page is walked. Only ever called after consent,
   * like {@link compress}.
   */
  warm(): void {
    this.ensureWorker();
  }

  /** The wire bytes of `raw`, computed now on this thread (page exit, fallback); throws on failure. */
  compressNow(raw: Uint8Array): Uint8Array {
    const bytes = this.deps.gzip(raw);
    if (!looksGzipped(bytes)) throw new Error('gzipBatch returned something that is not gzip');
    return bytes;
  }

  /**
   * Ends the worker and forgets its jobs (their results, if any, are never
   * seen). The next {@link compress} starts a new worker, unless one failed.
   */
  reset(): void {
    this.jobs.clear();
    this.disarm();
    const w = this.worker;
    this.worker = undefined;
    if (w) end(w);
  }

  private ensureWorker(): WorkerLike | undefined {
    if (this.worker !== undefined) return this.worker;
    if (this.broken || this.deps.spawnWorker === undefined) return undefined;
    let w: WorkerLike | undefined;
    try {
      w = this.deps.spawnWorker();
    } catch {
      w = undefined;
    }
    if (w === undefined) {
      this.broken = true;
      return undefined;
    }
    const worker = w;
    try {
      worker.onmessage = (event) => this.onMessage(worker, event.data);
      worker.onerror = (event) => {
        quiet(event);
        if (this.worker === worker) this.giveUp();
      };
      worker.onmessageerror = () => {
        if (this.worker === worker) this.giveUp();
      };
    } catch {
      end(worker);
      this.broken = true;
      return undefined;
    }
    this.worker = worker;
    return worker;
  }

  private onMessage(worker: WorkerLike, data: unknown): void {
    if (this.worker !== worker) return; // a worker reset() ended
    const message = data as FromWorker | undefined;
    switch (message?.type) {
      case 'ready':
        this.progress();
        return;
      case 'done': {
        const job = this.jobs.get(message.id);
        if (!job) return;
        this.jobs.delete(message.id);
        this.progress();
        if (looksGzipped(message.bytes)) {
          job.resolve(message.bytes);
        } else {
          // Fail closed: never pass on what is not a gzip member.
          this.settleHere(job);
        }
        return;
      }
      case 'failed':
      case 'fatal':
        this.giveUp();
        return;
      default:
        return;
    }
  }

  /** The worker failed: end it, compress its jobs here in order, and stay on the main thread. */
  private giveUp(): void {
    this.broken = true;
    const jobs = [...this.jobs.values()];
    this.reset();
    for (const job of jobs) this.settleHere(job);
  }

  private settleHere(job: Job): void {
    try {
      job.resolve(this.compressNow(job.raw));
    } catch (thrown) {
      job.reject(thrown);
    }
  }

  /** Something arrived: restart the watchdog if jobs remain. */
  private progress(): void {
    this.disarm();
    this.arm();
  }

  private arm(): void {
    if (this.watchdog !== undefined || this.jobs.size === 0) return;
    try {
      this.watchdog = this.deps.timers.setTimeout(() => {
        this.watchdog = undefined;
        if (this.jobs.size > 0) this.giveUp();
      }, this.timeoutMs);
    } catch {
      this.giveUp();
    }
  }

  private disarm(): void {
    if (this.watchdog === undefined) return;
    const handle = this.watchdog;
    this.watchdog = undefined;
    try {
      this.deps.timers.clearTimeout(handle);
    } catch {
      // The callback finds no jobs, or a newer watchdog.
    }
  }
}

function end(worker: WorkerLike): void {
  try {
    worker.onmessage = null;
    worker.onerror = null;
    worker.onmessageerror = null;
    worker.terminate();
  } catch {
    // Nothing more can be done; its messages are ignored.
  }
}

/** Keeps a worker's error event out of the console: it is handled (fallback). */
function quiet(event: unknown): void {
  try {
    (event as { preventDefault?: () => void } | undefined)?.preventDefault?.();
  } catch {
    // Only cosmetic.
  }
}
