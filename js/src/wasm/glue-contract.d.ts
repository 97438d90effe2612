// Stand-in for the glue that `wasm-bindgen --target web` generates into
// pkg/reticent.d.ts, so that `npm run typecheck` works before the first
// build. tsconfig.json maps the module name `reticent-wasm-glue` here;
// tsconfig.build.json (used by build.mjs) maps it to the real generated file,
// so a mismatch between this contract and the Rust crate fails the build.

/** What the async init accepts. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Instantiates the module; resolves once it is ready. */
export default function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;

/** Instantiates the module synchronously (the compression worker does). */
export function initSync(module: { module: WebAssembly.Module | BufferSource }): unknown;

/** gzip of a `takeRawBatch` result, at `level` (0–9; default 6). */
export function gzipBatch(raw: Uint8Array, level?: number | null): Uint8Array;

/** The core's recorder. */
export class Recorder {
  constructor(options: unknown);
  grantConsent(session_id: string, page_view_id: string): void;
  withdrawConsent(): void;
  takeBatch(dropped?: number | null): Uint8Array | undefined;
  takeRawBatch(dropped?: number | null): Uint8Array | undefined;
  recordTrigger(reason: string | undefined): boolean;
  checkpoint(): void;
  takeError(): Error | undefined;
  mirrorSize(): number;
  pendingEvents(): number;
  readonly consentState: string;
  readonly excluded: boolean;
  readonly snapshotPending: boolean;
  isPageExcluded(): boolean;
  free(): void;
}
