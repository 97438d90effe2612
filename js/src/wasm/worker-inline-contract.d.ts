// Stand-in for src/generated/worker-inline.ts, which build.mjs writes (the
// compression worker's script, bundled with the glue); see
// glue-contract.d.ts for how the module name `reticent-worker-inline` is mapped.

/** The compression worker's script (src/worker/compress-worker.ts, bundled). */
export declare const workerSource: string;
