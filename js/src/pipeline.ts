/**
 * Batches between the core and the queue while they are compressed: taken
 * in order, delivered to the queue in the same order whatever order their
 * compression ends in, and dropped at once (with whatever the worker is
 * still doing for them) when consent is withdrawn.
 *
 * @packageDocumentation
 */

import type { Compressor } from './compressor.js';

/** Where a compressed batch goes; `exit` is true on the page-exit path. */
export type Deliver = (bytes: Uint8Array, exit: boolean) => Promise<void> | void;

interface Job {
  readonly raw: Uint8Array;
  bytes: Uint8Array | undefined;
  readonly deliver: Deliver;
  readonly done: () => void;
}

/** The ordered compression stage of one recorder. */
export class CompressionPipeline {
  private jobs: Job[] = [];

  /**
   * @param onFailure - called when a batch cannot be compressed even on the
   *   main thread (the recorder then stops and clears this pipeline).
   */
  constructor(
    private readonly compressor: Compressor,
    private readonly onFailure: (thrown: unknown) => void,
  ) {}

  /** Starts the compression worker ahead of the first batch (see {@link Compressor.warm}). */
  warm(): void {
    this.compressor.warm();
  }

  /** Batches taken and not yet delivered. */
  get length(): number {
    return this.jobs.length;
  }

  /**
   * Compresses `raw` (in the worker when there is one) and delivers it after
   * every batch submitted before it.
   *
   * @param exit - do not start compressing: the caller calls {@link drainNow} next.
   * @returns a promise that resolves once the batch was delivered and what
   *   `deliver` returned resolved, or once it was dropped; it never rejects.
   */
  submit(raw: Uint8Array, deliver: Deliver, exit = false): Promise<void> {
    return new Promise<void>((done) => {
      const job: Job = { raw, bytes: undefined, deliver, done };
      this.jobs.push(job);
      if (exit) return;
      let compressing: Promise<Uint8Array>;
      try {
        compressing = this.compressor.compress(raw);
      } catch (thrown) {
        compressing = Promise.reject(thrown);
      }
      compressing
        .then(
          (bytes) => {
            if (!this.jobs.includes(job)) return; // dropped, or sent on page exit
            job.bytes = bytes;
            this.deliverReady();
          },
          (thrown: unknown) => {
            if (this.jobs.includes(job)) this.onFailure(thrown);
          },
        )
        .catch(() => undefined);
    });
  }

  /**
   * The page is going away: compresses every batch not yet delivered on
   * this thread, now, and delivers them all in order with `exit: true`
   * (what the worker is still doing for them is ignored).
   */
  drainNow(): void {
    while (this.jobs.length > 0) {
      const job = this.jobs[0] as Job;
      let bytes = job.bytes;
      if (bytes === undefined) {
        try {
          bytes = this.compressor.compressNow(job.raw);
        } catch (thrown) {
          this.onFailure(thrown);
          return;
        }
      }
      this.jobs.shift();
      this.hand(job, bytes, true);
    }
  }

  /** Drops every batch not yet delivered; the worker is ended with its jobs. */
  clear(): void {
    const jobs = this.jobs;
    this.jobs = [];
    this.compressor.reset();
    for (const job of jobs) job.done();
  }

  private deliverReady(): void {
    while (this.jobs.length > 0) {
      const job = this.jobs[0] as Job;
      if (job.bytes === undefined) return;
      this.jobs.shift();
      this.hand(job, job.bytes, false);
    }
  }

  private hand(job: Job, bytes: Uint8Array, exit: boolean): void {
    let delivered: Promise<void> | void;
    try {
      delivered = job.deliver(bytes, exit);
    } catch {
      delivered = undefined;
    }
    Promise.resolve(delivered).then(job.done, job.done);
  }
}
