/**
 * Script-tag entry (`dist/reticent.js`): defines `window.Reticent` with the
 * default entry's API (WebAssembly module inlined), and starts a recorder by
 * itself when its `<script>` element has `data-*` options or the page
 * defined `window.ReticentConfig` before it.
 *
 * @example
 * ```html
 * <!-- configured by attributes: starts by itself -->
 * <script src="/reticent.js" data-endpoint="/reticent/ingest" data-consent="tcf"></script>
 *
 * <!-- or from code -->
 * <script src="/reticent.js"></script>
 * <script>
 *   Reticent.init({ endpoint: '/reticent/ingest', consent: 'manual' })
 *     .then((recorder) => { window.reticentRecorder = recorder; });
 * </script>
 * ```
 *
 * Reading the script element's own attributes is not reading the page: it
 * happens once, synchronously, at load, before any consent.
 *
 * @packageDocumentation
 */

import { init, ReticentError, version, type Recorder } from './index.js';
import { scriptOptions } from './script-config.js';

/** The global defined by the script-tag build. */
export interface ReticentGlobal {
  /** See the default entry's `init`. */
  readonly init: typeof init;
  /** See {@link ReticentError}. */
  readonly ReticentError: typeof ReticentError;
  /** The package version. */
  readonly version: string;
  /**
   * Present only when the script configured itself (`data-*` attributes or
   * `window.ReticentConfig`): a promise of the recorder it started. It never
   * rejects: when the options are invalid or the module cannot load, the
   * error is written once to `console.error` and the promise resolves
   * `undefined`.
   */
  readonly recorder?: Promise<Recorder | undefined>;
}

declare global {
  interface Window {
    /** Defined by `reticent/reticent.js`. */
    Reticent?: ReticentGlobal;
    /** Options for the script-tag build, read once when it loads. */
    ReticentConfig?: unknown;
  }
}

function autoStart(): Promise<Recorder | undefined> | undefined {
  let options: Record<string, unknown> | undefined;
  try {
    const script = document.currentScript;
    const read = (name: string): string | null => (script ? script.getAttribute(name) : null);
    options = scriptOptions(read, window.ReticentConfig);
  } catch (err) {
    console.error('[reticent] could not start:', err);
    return Promise.resolve(undefined);
  }
  if (options === undefined) return undefined;
  const raw = options;
  return Promise.resolve()
    .then(() => init(raw as unknown as Parameters<typeof init>[0]))
    .catch((err: unknown) => {
      console.error('[reticent] could not start:', err);
      return undefined;
    });
}

const recorder = autoStart();
window.Reticent = Object.freeze(recorder ? { init, ReticentError, version, recorder } : { init, ReticentError, version });
