import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard } from './wait-for.js';

/** Settings of the Cookiebot adapter. */
export interface CookiebotSettings {
  /** The consent category that gates recording. Default `statistics`. */
  category?: 'statistics' | 'preferences' | 'marketing';
}

interface Cookiebot {
  consent?: Record<string, boolean | undefined>;
  hasResponse?: boolean;
}

const EVENTS = ['CookiebotOnConsentReady', 'CookiebotOnLoad', 'CookiebotOnAccept', 'CookiebotOnDecline'];

/** Reads `window.Cookiebot`; exported for unit tests. */
export function cookiebotSignal(cb: Cookiebot | undefined, category: string): ConsentSignal {
  if (!cb || !cb.consent) return 'unknown';
  if (cb.consent[category] === true) return 'granted';
  return cb.hasResponse === false ? 'unknown' : 'denied';
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
