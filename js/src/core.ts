/**
 * `init()`, shared by every entry point: validate the options, load the
 * WebAssembly module once, construct a recorder.
 *
 * @packageDocumentation
 */

import type { CompressionDeps } from './compressor.js';
import { ReticentError, toReticentError } from './errors.js';
import { validateOptions, type ReticentOptions } from './options.js';
import { createRecorder, type Recorder } from './recorder.js';
import type { WasmBindings } from './wasm/contract.js';
import { spawnBlobWorker } from './worker/spawn.js';

/** How an entry point loads the module, and which extra options it owns. */
export interface WasmLoader<Extra> {
  /** Option keys this entry point adds to {@link ReticentOptions} (e.g. `wasmUrl`). */
  readonly keys: readonly string[];
  /**
   * Validates the entry point's own options, synchronously; throws a
   * {@link ReticentError} naming the option.
   */
  readonly pick: (raw: Readonly<Record<string, unknown>>) => Extra;
  /** Instantiates the module (asynchronously; never compiles synchronously on the main thread). */
  readonly load: (extra: Extra) => Promise<WasmBindings>;
}

/** The `init()` function of an entry point. */
export type InitFunction<Options extends ReticentOptions> = (options: Options) => Promise<Recorder>;

/**
 * Builds an entry point's `init()`.
 *
 * The module is loaded by the first successful call and reused by later ones
 * (a failed load is retried by the next call). The WebAssembly instance is
 * shared; each `init()` creates its own recorder inside it.
 */
export function createInit<Options extends ReticentOptions, Extra>(loader: WasmLoader<Extra>): InitFunction<Options> {
  let loading: Promise<WasmBindings> | undefined;

  function loadOnce(extra: Extra): Promise<WasmBindings> {
    if (loading === undefined) {
      const attempt = loader.load(extra).catch((thrown: unknown) => {
        loading = undefined;
        throw new ReticentError(
          'LOAD_FAILED',
          `could not load the WebAssembly module: ${toReticentError(thrown).message}`,
          thrown,
        );
      });
      loading = attempt;
    }
    return loading;
  }

  return async (raw: Options): Promise<Recorder> => {
    let options: ReturnType<typeof validateOptions>;
    let extra: Extra;
    try {
      options = validateOptions(raw, loader.keys);
      extra = loader.pick(raw as unknown as Readonly<Record<string, unknown>>);
    } catch (thrown) {
      // What the validation throws is coded already; anything else (a getter
      // or a Proxy of the site's that throws while read) is a bad option.
      throw thrown instanceof ReticentError
        ? thrown
        : new ReticentError('INVALID_OPTION', `options: could not be read: ${toReticentError(thrown).message}`, thrown);
    }
    const bindings = await loadOnce(extra);
    let wasm;
    try {
      const p = options.privacy;
      wasm = new bindings.Recorder({
        privacy: {
          allowQueryParams: p.allowQueryParams.slice(),
          unmaskText: p.unmaskText.slice(),
          unmaskInputs: p.unmaskInputs.slice(),
          mask: p.mask.slice(),
          block: p.block.slice(),
          ignore: p.ignore.slice(),
          excludePages: p.excludePages.slice(),
          customDetectors: p.customDetectors.slice(),
        },
      });
    } catch (thrown) {
      throw toReticentError(thrown);
    }
    return createRecorder({ wasm, options, compression: compressionOf(bindings, options.compressInWorker) });
  };
}

/**
 * Compression for a recorder: in a worker started from the entry point's
 * inlined script when the bindings carry one and `inWorker` (the
 * `compressInWorker` option), else (and as the fallback) with the page's own
 * instance of the module.
 */
export function compressionOf(bindings: WasmBindings, inWorker = true): CompressionDeps {
  const gzip = (raw: Uint8Array): Uint8Array => bindings.gzipBatch(raw);
  const worker = bindings.worker;
  if (worker === undefined || !inWorker) return { gzip };
  return { gzip, spawnWorker: () => spawnBlobWorker(worker.source, worker.module) };
}
