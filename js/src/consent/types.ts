/**
 * The normalised consent signal every adapter produces. `unknown` (no
 * decision yet, CMP absent, CMP broken) acts exactly like `denied`: the Rust
 * consent gate only opens on `granted`.
 */
export type ConsentSignal = 'granted' | 'denied' | 'unknown';

/**
 * A consent adapter listens to one consent management platform (CMP) and
 * reports its state. Adapters are the only code alive before consent: they
 * read nothing but the CMP's own API, and write nothing but what the CMP's
 * documented integration requires (a queue entry, a service registration).
 */
export interface ConsentAdapter {
  /** Starts listening; `emit` may be called at once, and again on every change. */
  start(emit: (signal: ConsentSignal) => void): void;
  /** Stops listening (removes listeners and timers; idempotent). */
  stop(): void;
}

/** The global object adapters read CMP APIs from (injectable for tests). */
export type Global = typeof globalThis & Record<string, unknown>;
