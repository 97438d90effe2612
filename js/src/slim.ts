/**
 * Reticent, slim entry: the caller says where the `.wasm` file is served
 * (`reticent/reticent.wasm` in the package). Smaller JavaScript, a module the
 * browser caches separately, and no inlined code for strict
 * Content-Security-Policies (which still need `'wasm-unsafe-eval'`).
 *
 * @example
 * ```ts
 * import { init } from 'reticent/slim';
 * import wasmUrl from 'reticent/reticent.wasm?url'; // bundler-specific
 *
 * const recorder = await init({ endpoint: '/reticent/ingest', consent: 'manual', wasmUrl });
 * ```
 *
 * @packageDocumentation
 */

import initGlue, { gzipBatch, Recorder as WasmRecorder } from 'reticent-wasm-glue';
import { workerSource } from 'reticent-worker-inline';
import { createInit, type InitFunction } from './core.js';
import { invalid, type ReticentOptions } from './options.js';
import { compileFromUrl } from './wasm/compile.js';

/** Options of the slim entry's `init()`. */
export interface SlimOptions extends ReticentOptions {
  /**
   * Where the `.wasm` file is served. Required. A `URL`, or a string
   * (absolute, or relative to the page's base URL). Serve it as
   * `application/wasm` so the browser can compile while downloading.
   *
   * The module is loaded once per page: a later `init()` reuses it whatever
   * its `wasmUrl`.
   */
  wasmUrl: string | URL;
}

/**
 * Validates `options`, fetches and instantiates the WebAssembly module from
 * `options.wasmUrl` (once, shared by every recorder) and returns a recorder
 * that waits for consent. Reads nothing from the page and sends nothing
 * until `recorder.grantConsent()`.
 *
 * @returns a promise of the {@link Recorder}; it rejects with a
 * {@link ReticentError} (`INVALID_OPTION`, `UNKNOWN_OPTION`, `LOAD_FAILED`, ...).
 */
export const init: InitFunction<SlimOptions> = /* @__PURE__ */ createInit<SlimOptions, string | URL>({
  keys: ['wasmUrl'],
  pick: (raw) => {
    const url = raw.wasmUrl;
    if (url instanceof URL) return url;
    if (typeof url === 'string' && url.trim() !== '') return url;
    throw invalid('wasmUrl', 'expected the URL of reticent.wasm (a string or a URL)', url);
  },
  load: async (wasmUrl) => {
    // Compiled here (not by the glue) so the compression worker gets the same module.
    const module = await compileFromUrl(wasmUrl);
    await initGlue({ module_or_path: module });
    return { Recorder: WasmRecorder, gzipBatch, worker: { module, source: workerSource } };
  },
});

export { ReticentError } from './errors.js';
export type { ReticentErrorCode } from './errors.js';
export type { ReticentOptions, PrivacyOptions } from './options.js';
export type { Recorder } from './recorder.js';
export type { InitFunction } from './core.js';
export type { TransportHook } from './transport.js';
export { version } from './version.js';
