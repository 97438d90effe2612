// Where the things under test live, relative to the repository root.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests/e2e/lib/../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The JS package's build output (`cd js && npm run build`); $RETICENT_DIST_DIR overrides it. */
export const DIST_DIR = process.env.RETICENT_DIST_DIR || join(REPO_ROOT, 'js', 'dist');

/** The golden batch fixture of the core crate (a valid wire-format v2 batch). */
export const GOLDEN_BATCH = join(REPO_ROOT, 'crates', 'reticent-core', 'tests', 'fixtures', 'page-v2.batch');

/**
 * The `reticent` binary: $RETICENT_BIN, else target/debug/reticent.
 * Throws (so the test fails, never skips) when it has not been built.
 */
export function reticentBin() {
  const bin = process.env.RETICENT_BIN || join(REPO_ROOT, 'target', 'debug', 'reticent');
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build it with \`cargo build -p reticent-server\` (or set RETICENT_BIN)`);
  }
  return bin;
}

/** Path of a file of js/dist, throwing a helpful error when the package is not built. */
export function distFile(name) {
  const path = join(DIST_DIR, name);
  if (!existsSync(path)) {
    throw new Error(`${path} not found: build the JS package with \`cd js && npm ci && npm run build\``);
  }
  return path;
}
