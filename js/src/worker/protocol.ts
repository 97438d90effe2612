/**
 * The messages between the page and the compression worker.
 *
 * The page sends the compiled module once (`init`), then one `gzip` per
 * batch; the worker answers every `gzip` with `done` or `failed` (same
 * `id`), and says `ready` once the module is instantiated or `fatal` if it
 * cannot be. Jobs are answered in the order they were sent.
 *
 * @packageDocumentation
 */

/** Page → worker. */
export type ToWorker =
  /** The module the page instantiated; the worker instantiates it with the same glue. */
  | { readonly type: 'init'; readonly module: WebAssembly.Module }
  /** Compress one batch (MessagePack from `takeRawBatch`) with `gzipBatch`. */
  | { readonly type: 'gzip'; readonly id: number; readonly raw: Uint8Array };

/** Worker → page. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  /** The wire bytes of job `id` (their buffer is transferred). */
  | { readonly type: 'done'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
