/**
 * Reticent, default entry: the WebAssembly module is inlined (deflated,
 * base64), so it works in any bundler with no asset configuration. Use
 * `reticent/slim` to load the `.wasm` file from a URL instead (smaller JS,
 * cacheable module, strict CSP).
 *
 * @example
 * ```ts
 * import { init } from 'reticent';
 *
 * const recorder = await init({ endpoint: '/reticent/ingest', consent: 'manual' });
 * banner.onAccept(() => recorder.grantConsent());
 * banner.onRefuse(() => recorder.withdrawConsent());
 * ```
 *
 * @packageDocumentation
 */

import initGlue, { gzipBatch, Recorder as WasmRecorder } from 'reticent-wasm-glue';
import { wasmDeflated, wasmSize } from 'reticent-wasm-inline';
import { workerSource } from 'reticent-worker-inline';
import { createInit, type InitFunction } from './core.js';
import type { ReticentOptions } from './options.js';
import { decodeBase64 } from './wasm/base64.js';
import { inflateModule } from './wasm/inflate.js';

/**
 * Validates `options`, instantiates the WebAssembly module (once, shared by
 * every recorder) and returns a recorder that waits for consent.
 *
 * Reads nothing from the page and sends nothing until
 * `recorder.grantConsent()`.
 *
 * @returns a promise of the {@link Recorder}; it rejects with a
 * {@link ReticentError} (`INVALID_OPTION`, `UNKNOWN_OPTION`, `LOAD_FAILED`, ...).
 */
export const init: InitFunction<ReticentOptions> = /* @__PURE__ */ createInit<ReticentOptions, void>({
  keys: [],
  pick: () => undefined,
  load: async () => {
    // Inlined deflated (a fifth less to download, see wasm/inflate.ts), then
    // compiled asynchronously: no synchronous compile on the main thread. The
    // compiled module is kept for the compression worker.
    const bytes = await inflateModule(decodeBase64(wasmDeflated), wasmSize);
    const module = await WebAssembly.compile(bytes);
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
