import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard } from './wait-for.js';

/** Settings of the Cookiebot adapter. */
export interface CookiebotSettings {
  /** The consent category that gates recording. Default `statistics`. */
  category?: 'statistics' | 'preferences' | 'marketing';
}

interface Cookiebot {
  /** The categories, and `method`: `'explicit'`, `'implied'` or `null`. */
  consent?: Record<string, boolean | string | null | undefined>;
  hasResponse?: boolean;
}

const EVENTS = ['CookiebotOnConsentReady', 'CookiebotOnLoad', 'CookiebotOnAccept', 'CookiebotOnDecline'];

/**
 * Reads `window.Cookiebot`; exported for unit tests. A category is granted
 * only by the visitor's own answer: Cookiebot also sets categories to `true`
 * by implied (opt-out) consent, before any answer, and reports old consents
 * of unknown method as implied. Those wait (`unknown`) for an explicit
 * answer, as the CookieConsent adapter does not record opt-out either.
 */
export function cookiebotSignal(cb: Cookiebot | undefined, category: string): ConsentSignal {
  if (!cb || !cb.consent) return 'unknown';
  if (cb.hasResponse === false) return 'unknown';
  if (cb.consent[category] !== true) return 'denied';
  return cb.hasResponse === true && cb.consent.method !== 'implied' ? 'granted' : 'unknown';
}

/** Cookiebot: re-reads `Cookiebot.consent[category]` on each of its window events. */
export class CookiebotAdapter implements ConsentAdapter {
  private cleanups: Array<() => void> = [];

  constructor(private readonly settings: CookiebotSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const category = this.settings.category ?? 'statistics';
    const read = () => emit(guard(() => cookiebotSignal(this.g.Cookiebot as Cookiebot | undefined, category), 'unknown'));
    for (const name of EVENTS) {
      this.g.addEventListener(name, read);
      this.cleanups.push(() => this.g.removeEventListener(name, read));
    }
    read();
  }

  stop(): void {
    this.cleanups.forEach((c) => c());
    this.cleanups = [];
  }
}
