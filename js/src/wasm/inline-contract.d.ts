// Stand-in for src/generated/wasm-inline.ts, which build.mjs writes; see
// glue-contract.d.ts for how the module name `reticent-wasm-inline` is mapped.

/** The optimised WebAssembly module, base64-encoded. */
export declare const wasmBase64: string;
