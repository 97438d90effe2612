import type { Global } from './types.js';

/**
 * Calls `found(value)` once `probe()` returns something defined: at once if
 * the CMP is already there, otherwise by polling, because CMPs often load
 * after the recorder. Polling is bounded (`timeoutMs`): a CMP that never
 * appears leaves the state unknown, which records nothing.
 * Returns a cancel function.
 */
export function waitFor<T>(
  probe: () => T | undefined,
  found: (value: T) => void,
  g: Global = globalThis as Global,
  { intervalMs = 250, timeoutMs = 120_000 } = {},
): () => void {
  const first = safeProbe(probe);
  if (first !== undefined) {
    found(first);
    return () => {};
  }
  const started = Date.now();
  const timer = g.setInterval(() => {
    const v = safeProbe(probe);
    if (v !== undefined) {
      g.clearInterval(timer);
      found(v);
    } else if (Date.now() - started > timeoutMs) {
      g.clearInterval(timer);
    }
  }, intervalMs);
  return () => g.clearInterval(timer);
}

function safeProbe<T>(probe: () => T | undefined): T | undefined {
  try {
    return probe();
  } catch {
    return undefined;
  }
}

/** Runs `fn`, turning any exception into `fallback` (a CMP error must never reach the page). */
export function guard<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
