/**
 * Script-tag entry (`dist/reticent.js`): defines `window.Reticent` with the
 * default entry's API (WebAssembly module inlined).
 *
 * @example
 * ```html
 * <script src="/reticent.js"></script>
 * <script>
 *   Reticent.init({ endpoint: '/reticent/ingest', consent: 'manual' })
 *     .then((recorder) => { window.reticentRecorder = recorder; });
 * </script>
 * ```
 *
 * @packageDocumentation
 */

import { init, ReticentError, version } from './index.js';

/** The global defined by the script-tag build. */
export interface ReticentGlobal {
  /** See the default entry's `init`. */
  readonly init: typeof init;
  /** See {@link ReticentError}. */
  readonly ReticentError: typeof ReticentError;
  /** The package version. */
  readonly version: string;
}

declare global {
  interface Window {
    /** Defined by `reticent/reticent.js`. */
    Reticent?: ReticentGlobal;
  }
}

window.Reticent = Object.freeze({ init, ReticentError, version });
