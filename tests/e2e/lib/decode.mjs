// Runs the `reticent` binary (target/debug/reticent, or $RETICENT_BIN).
import { spawn } from 'node:child_process';
import { reticentBin, REPO_ROOT } from './paths.mjs';

/**
 * Runs `reticent ARGS…` with `input` on stdin (nothing if omitted).
 * Resolves to { code, signal, stdout: Buffer, stderr: string } whatever the exit status.
 * @param {string[]} args
 * @param {{ input?: Uint8Array, timeoutMs?: number }} [options]
 */
export function runReticent(args, { input, timeoutMs = 60_000 } = {}) {
  const bin = reticentBin();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    // The binary may stop reading early (e.g. an oversized input): that is not our error.
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reticent ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(input ? Buffer.from(input) : undefined);
  });
}

/**
 * Decodes one batch with `reticent decode` (bytes on stdin) and returns the parsed JSON
 * (an rrweb event array). Throws with the tool's message when it fails.
 * @param {Uint8Array} bytes
 */
export async function decode(bytes) {
  const r = await runReticent(['decode'], { input: bytes });
  if (r.code !== 0) {
    throw new Error(`reticent decode failed (exit ${r.code}, signal ${r.signal}): ${r.stderr.trim()}`);
  }
  return JSON.parse(r.stdout.toString('utf8'));
}
