/**
 * Starting the compression worker from its inlined source.
 *
 * The worker's script travels inside the entry point (a string, built by
 * build.mjs) and starts from a `blob:` URL, so a page's CSP must allow
 * `worker-src blob:` (or `script-src blob:` when it has no `worker-src` /
 * `child-src`). Where it does not, `new Worker` throws or the worker fails
 * to load, and the compressor falls back to the main thread by itself.
 *
 * @packageDocumentation
 */

import type { WorkerLike } from '../compressor.js';

/**
 * A worker running `source`, already sent `module` to instantiate, or
 * `undefined` where workers or blob URLs do not exist. Throws what `new
 * Worker` throws (e.g. a CSP violation in some browsers).
 */
export function spawnBlobWorker(source: string, module: WebAssembly.Module): WorkerLike | undefined {
  const g = globalThis as {
    Worker?: new (url: string, options?: { name?: string }) => WorkerLike;
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') {
    return undefined;
  }
  const url = g.URL.createObjectURL(new g.Blob([source], { type: 'text/javascript' }));
  let worker: WorkerLike;
  try {
    worker = new g.Worker(url, { name: 'reticent-compress' });
  } finally {
    // The constructor resolved the URL already (HTML: a blob URL's entry is
    // taken when the URL is parsed), so it can go now.
    g.URL.revokeObjectURL(url);
  }
  try {
    worker.postMessage({ type: 'init', module });
  } catch (thrown) {
    worker.terminate();
    throw thrown;
  }
  return worker;
}
