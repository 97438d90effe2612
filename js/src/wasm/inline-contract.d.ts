// Stand-in for src/generated/wasm-inline.ts, which build.mjs writes; see
// glue-contract.d.ts for how the module name `reticent-wasm-inline` is mapped.

/** The optimised WebAssembly module, compressed (zlib), base64-encoded. */
export declare const wasmDeflated: string;
/** The module's size in bytes, once inflated. */
export declare const wasmSize: number;
