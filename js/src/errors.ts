/**
 * The one error type Reticent throws or reports, and the conversion of
 * anything thrown by the WebAssembly module into it.
 *
 * @packageDocumentation
 */

/**
 * Stable error codes. Branch on these, never on messages. Codes are added,
 * never renamed.
 *
 * - `INVALID_OPTION`: an option has the wrong type, range or form; the message names it.
 * - `UNKNOWN_OPTION`: an option that does not exist; the message names it.
 * - `LOAD_FAILED`: the WebAssembly module could not be fetched, compiled or instantiated
 *   (network error, wrong URL, a Content-Security-Policy without `'wasm-unsafe-eval'`).
 * - `INVALID_STATE`: the core refused a call in its current state.
 * - `ENCODE`: the core could not encode a batch.
 * - `BAD_COMPRESSION`, `TOO_LARGE`, `BAD_PAYLOAD`, `UNSUPPORTED_VERSION`: decoding
 *   errors of the core; listed so that every code the core can produce has a name here.
 * - `INTERNAL`: anything else, including a crash (panic) of the WebAssembly module.
 */
export type ReticentErrorCode =
  | 'INVALID_OPTION'
  | 'UNKNOWN_OPTION'
  | 'LOAD_FAILED'
  | 'INVALID_STATE'
  | 'ENCODE'
  | 'BAD_COMPRESSION'
  | 'TOO_LARGE'
  | 'BAD_PAYLOAD'
  | 'UNSUPPORTED_VERSION'
  | 'INTERNAL';

const KNOWN_CODES: ReadonlySet<string> = new Set<ReticentErrorCode>([
  'INVALID_OPTION',
  'UNKNOWN_OPTION',
  'LOAD_FAILED',
  'INVALID_STATE',
  'ENCODE',
  'BAD_COMPRESSION',
  'TOO_LARGE',
  'BAD_PAYLOAD',
  'UNSUPPORTED_VERSION',
  'INTERNAL',
]);

/** Whether `code` is one of the {@link ReticentErrorCode} values. */
export function isReticentErrorCode(code: unknown): code is ReticentErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

/**
 * An error raised by Reticent: a real `Error` with `name === 'ReticentError'`
 * and a stable {@link ReticentErrorCode} in `code`.
 *
 * @example
 * ```ts
 * try {
 *   await init({ endpoint: '/ingest', consent: 'manual', flushInterval: 10 });
 * } catch (err) {
 *   if (err instanceof ReticentError && err.code === 'INVALID_OPTION') console.warn(err.message);
 * }
 * ```
 */
export class ReticentError extends Error {
  /** The stable code; see {@link ReticentErrorCode}. */
  readonly code: ReticentErrorCode;
  /** What was originally thrown, when this error wraps something else. */
  readonly cause?: unknown;

  /**
   * @param code - the stable code.
   * @param message - one line for humans; names the option or the fault.
   * @param cause - what was originally thrown, if anything.
   */
  constructor(code: ReticentErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = 'ReticentError';
    this.code = code;
    if (cause !== undefined) this.cause = cause;
  }
}

/**
 * Converts anything thrown (by the WebAssembly module, its glue or our own
 * code) into a {@link ReticentError}:
 *
 * - a `ReticentError` is returned as is;
 * - an object with a known string `code` (what the wasm module throws:
 *   `Error { name: 'ReticentError', code, message }`) keeps its code and message;
 * - a `WebAssembly.RuntimeError` (a Rust panic or abort) becomes `INTERNAL`;
 * - everything else, including unknown codes, becomes `INTERNAL`.
 *
 * The original throwable is kept in `cause`. Never throws.
 */
export function toReticentError(thrown: unknown): ReticentError {
  if (thrown instanceof ReticentError) return thrown;
  const message = messageOf(thrown);
  if (typeof thrown === 'object' && thrown !== null) {
    const code = (thrown as { code?: unknown }).code;
    if (isReticentErrorCode(code)) return new ReticentError(code, message, thrown);
    if (isWasmRuntimeError(thrown)) {
      return new ReticentError('INTERNAL', `the WebAssembly module crashed: ${message}`, thrown);
    }
    if (typeof code === 'string' && code !== '') {
      return new ReticentError('INTERNAL', `${code}: ${message}`, thrown);
    }
  }
  return new ReticentError('INTERNAL', message, thrown);
}

function isWasmRuntimeError(thrown: object): boolean {
  try {
    return typeof WebAssembly !== 'undefined' && thrown instanceof WebAssembly.RuntimeError;
  } catch {
    return false;
  }
}

function messageOf(thrown: unknown): string {
  try {
    if (typeof thrown === 'object' && thrown !== null) {
      const m = (thrown as { message?: unknown }).message;
      if (typeof m === 'string' && m !== '') return m;
    }
    if (typeof thrown === 'string' && thrown !== '') return thrown;
  } catch {
    // A throwing getter: fall through to the generic message.
  }
  return 'unexpected error';
}
