/**
 * The messages between the page and the compression worker.
 *
 * The page sends `init` once, then one `gzip` per batch; the worker
 * answers every `gzip` with `done` or `failed` (same `id`), and says
 * `ready` once it can compress or `fatal` if it cannot (no
 * `CompressionStream`). Jobs are answered in the order they were sent.
 *
 * @packageDocumentation
 */

/** Page → worker. */
export type ToWorker =
  /** Get ready to compress. */
  | { readonly type: 'init' }
  /** Compress one batch (MessagePack from `takeRawBatch`). */
  | { readonly type: 'gzip'; readonly id: number; readonly raw: Uint8Array };

/** Worker → page. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  /** The wire bytes of job `id` (their buffer is transferred). */
  | { readonly type: 'done'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
