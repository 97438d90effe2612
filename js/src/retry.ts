/**
 * When to try a failed batch again: exponential backoff with full jitter,
 * and the collector's `Retry-After`. Pure functions, no timers.
 *
 * @packageDocumentation
 */

/** First backoff ceiling, in milliseconds (attempt 1 waits 0 to 1 s). */
export const RETRY_BASE_MS = 1000;
/** Largest backoff ceiling, in milliseconds. */
export const RETRY_MAX_BACKOFF_MS = 60_000;
/** Longest wait a `Retry-After` header can impose, in milliseconds. */
export const RETRY_AFTER_MAX_MS = 300_000;

/**
 * The wait before retry number `attempt` (1 for the first retry):
 * "full jitter", a uniform draw in `[0, min(cap, base × 2^(attempt−1)))`,
 * so many pages failing together do not retry together.
 *
 * @param random - a uniform draw in `[0, 1)` (`Math.random` by default).
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(RETRY_MAX_BACKOFF_MS, RETRY_BASE_MS * 2 ** exponent);
  const draw = random();
  const unit = Number.isFinite(draw) ? Math.min(Math.max(draw, 0), 1) : 0.5;
  return Math.floor(unit * ceiling);
}

/**
 * Parses a `Retry-After` header value: delta-seconds (`"120"`) or an
 * HTTP-date (`"Wed, 21 Oct 2015 07:28:00 GMT"`), as milliseconds from `now`,
 * capped at {@link RETRY_AFTER_MAX_MS}. `undefined` when absent or unreadable;
 * a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // An HTTP-date has a day or month name and a time; refuse what only Date.parse would accept ("-5", "1.5").
    if (!/[A-Za-z]{3}/.test(text) || !/\d{1,2}:\d{2}/.test(text)) return undefined;
    const at = Date.parse(text);
    if (!Number.isFinite(at)) return undefined;
    ms = at - now;
  }
  if (!Number.isFinite(ms)) return RETRY_AFTER_MAX_MS;
  return Math.min(Math.max(ms, 0), RETRY_AFTER_MAX_MS);
}
