import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard, waitFor } from './wait-for.js';

/** Settings of the CookieConsent v3 adapter (npm `vanilla-cookieconsent`). */
export interface CookieConsentSettings {
  /** The category that gates recording. Default `analytics`. */
  category?: string;
  /**
   * Also require this service of the category
   * (`categories.analytics.services.reticent` in your CookieConsent config).
   */
  service?: string;
}

/** The subset of `window.CookieConsent` the adapter reads. */
interface CookieConsentApi {
  validConsent(): boolean;
  acceptedCategory(category: string): boolean;
  acceptedService?(service: string, category: string): boolean;
}

const EVENTS = ['cc:onConsent', 'cc:onChange', 'cc:onFirstConsent'];

/**
 * Decides from `window.CookieConsent`; exported for unit tests. Without a valid
 * consent (no choice yet, a new `revision`, CookieConsent not run — or run with
 * its default `hideFromBots` for an automated browser) the signal is `unknown`:
 * in `mode: 'opt-out'`, `acceptedCategory()` is true before any choice, so it
 * is only read once `validConsent()` is.
 */
export function cookieConsentSignal(cc: CookieConsentApi | undefined, s: CookieConsentSettings = {}): ConsentSignal {
  if (!cc || typeof cc.validConsent !== 'function' || cc.validConsent() !== true) return 'unknown';
  const category = s.category ?? 'analytics';
  if (cc.acceptedCategory(category) !== true) return 'denied';
  if (s.service === undefined) return 'granted';
  return typeof cc.acceptedService === 'function' && cc.acceptedService(s.service, category) === true ? 'granted' : 'denied';
}

/**
 * CookieConsent v3 by Orest Bida: re-reads `CookieConsent.validConsent()`,
 * `acceptedCategory(category)` (and `acceptedService(service, category)`) on its
 * window events `cc:onConsent` (first consent, then every page load with a valid
 * consent), `cc:onChange` and `cc:onFirstConsent`, and once when the
 * `CookieConsent` global appears (it may load after Reticent, or before, its
 * `cc:onConsent` already gone).
 */
export class CookieConsentAdapter implements ConsentAdapter {
  private cleanups: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly settings: CookieConsentSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    emit('unknown');
    const read = () => {
      if (!this.stopped) {
        emit(guard(() => cookieConsentSignal(this.g.CookieConsent as CookieConsentApi | undefined, this.settings), 'unknown'));
      }
    };
    for (const name of EVENTS) {
      this.g.addEventListener(name, read);
      this.cleanups.push(() => this.g.removeEventListener(name, read));
    }
    this.cleanups.push(
      waitFor(
        () => {
          const cc = this.g.CookieConsent as CookieConsentApi | undefined;
          return cc && typeof cc.validConsent === 'function' ? cc : undefined;
        },
        read,
        this.g,
      ),
    );
  }

  stop(): void {
    this.stopped = true;
    this.cleanups.forEach((c) => c());
    this.cleanups = [];
  }
}
