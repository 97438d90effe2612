// Compiles the TypeScript unit tests with esbuild (Node 20 cannot run
// TypeScript) and runs them with Node's built-in test runner.
// Usage: node test/run.mjs [extra node --test flags]
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '.build');
const entries = readdirSync(here)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(here, f));
if (entries.length === 0) {
  console.error('test/run.mjs: no test/*.test.ts files found');
  process.exit(1);
}

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  tsconfig: join(here, 'tsconfig.json'),
  logLevel: 'warning',
});

const files = readdirSync(outdir)
  .filter((f) => f.endsWith('.test.mjs'))
  .map((f) => join(outdir, f));
const result = spawnSync(process.execPath, ['--test', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
