/**
 * The shape of the WebAssembly module's exports that this package relies
 * on, written structurally so that the rest of the code (and the unit tests)
 * never import the generated glue. The build type-checks the generated glue
 * against these interfaces (see tsconfig.build.json), so drift fails the build.
 *
 * @packageDocumentation
 */

/** Options of the core's `Recorder` constructor (a subset of the public options). */
export interface WasmRecorderOptions {
  /** Privacy settings (see `PrivacyOptions`); the core validates and applies them. */
  privacy: {
    allowQueryParams: string[];
    unmaskText: string[];
    unmaskInputs: string[];
    mask: string[];
    block: string[];
    ignore: string[];
    excludePages: string[];
    customDetectors: string[];
  };
}

/** One recorder inside the WebAssembly module (`crates/reticent-wasm`). */
export interface WasmRecorder {
  /** Starts recording: takes the Meta and FullSnapshot events into the buffer. */
  grantConsent(sessionId: string, pageViewId: string): void;
  /** Stops recording and drops the buffer. */
  withdrawConsent(): void;
  /**
   * One gzip'd MessagePack batch of the pending events, or `undefined` when
   * there are none. `dropped` (default 0) goes into the batch header: what the
   * page's queue dropped since the last batch.
   */
  takeBatch(dropped?: number): Uint8Array | undefined;
  /**
   * `takeBatch` without its last step: the batch as MessagePack, to be
   * compressed by `gzipBatch` (in the compression worker, or here as the
   * fallback). Never sent as it is.
   */
  takeRawBatch(dropped?: number): Uint8Array | undefined;
  /**
   * Buffers the Custom event `{ tag: 'reticent.trigger', payload: { reason } }`,
   * the reason scrubbed by the core (PII detectors, length cap). `false` when
   * nothing was recorded (no consent, excluded page, first snapshot not done).
   */
  recordTrigger(reason?: string): boolean;
  /** Buffers a fresh Meta event and full snapshot (a point a recording can start from). */
  checkpoint(): void;
  /**
   * The error that stopped recording inside one of the module's page callbacks
   * (a coded `ReticentError`), once; `undefined` when there is none.
   */
  takeError(): Error | undefined;
  /** How many nodes the module's node ↔ id mirror holds (memory stays flat). */
  mirrorSize(): number;
  /** How many events wait in the buffer. */
  pendingEvents(): number;
  /**
   * `true` while consent is granted but nothing is recorded because the page
   * is excluded (`privacy.excludePages`): granted on an excluded page, or an
   * SPA navigation led to one (everything was then dropped, as on a
   * withdrawal). Recording resumes only through `withdrawConsent` then
   * `grantConsent` with a new page-view id.
   */
  readonly excluded: boolean;
  /**
   * `true` while the first snapshot of a large page is still taken in slices
   * (it reaches the buffer only once complete).
   */
  readonly snapshotPending: boolean;
  /** Whether the current address matches `privacy.excludePages` (reads `location.href` only). */
  isPageExcluded(): boolean;
  /** `'unknown'`, `'granted'` or `'denied'`. */
  readonly consentState: string;
  /** Releases the recorder's memory inside the module. */
  free(): void;
}

/** The module's exports once it is instantiated. */
export interface WasmBindings {
  /** Constructor of {@link WasmRecorder}; throws a coded error on bad options. Reads no DOM. */
  Recorder: new (options: WasmRecorderOptions) => WasmRecorder;
  /** gzip of a `takeRawBatch` result: the wire bytes (on the calling thread). */
  gzipBatch(raw: Uint8Array): Uint8Array;
  /**
   * What the compression worker needs: the compiled module (posted to the
   * worker, which instantiates it with the same glue) and the worker's
   * script. Absent: batches are compressed on the main thread.
   */
  worker?: { readonly module: WebAssembly.Module; readonly source: string };
}
