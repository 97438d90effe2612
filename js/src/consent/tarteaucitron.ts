import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard, waitFor } from './wait-for.js';

/** Settings of the tarteaucitron adapter. */
export interface TarteaucitronSettings {
  /** The service key Reticent registers under. Default `reticent`. */
  key?: string;
  /** The service name shown in the banner. Default `Reticent (session replay)`. */
  name?: string;
  /** Link to your information notice about session replay, shown by tarteaucitron. */
  readmoreLink?: string;
}

interface Tac {
  services: Record<string, unknown>;
  job?: string[];
  state?: Record<string, boolean | string | undefined>;
}

/**
 * tarteaucitron: Reticent registers itself as a service (`needConsent: true`),
 * so the visitor sees it in the banner. tarteaucitron calls the service's
 * `js()` when allowed and `fallback()` otherwise; document events report
 * changes. A stored allow fires `<key>_loaded` but not `<key>_allowed`, and a
 * withdrawal only schedules a page reload, so `<key>_disallowed` stops at once.
 */
export class TarteaucitronAdapter implements ConsentAdapter {
  private cleanups: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly settings: TarteaucitronSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const key = this.settings.key ?? 'reticent';
    const send = (s: ConsentSignal) => {
      if (!this.stopped) emit(s);
    };
    emit('unknown');
    const doc = this.g.document as Document | undefined;
    if (doc) {
      const on = (name: string, s: ConsentSignal | (() => ConsentSignal)) => {
        const h = () => send(typeof s === 'function' ? guard(s, 'unknown') : s);
        doc.addEventListener(name, h);
        this.cleanups.push(() => doc.removeEventListener(name, h));
      };
      on(`${key}_allowed`, 'granted');
      on(`${key}_loaded`, 'granted');
      on(`${key}_disallowed`, 'denied');
      on('tac.consent_updated', () => stateOf(this.g.tarteaucitron as Tac | undefined, key));
    }
    this.cleanups.push(
      waitFor(
        () => {
          const t = this.g.tarteaucitron as Tac | undefined;
          return t && typeof t.services === 'object' ? t : undefined;
        },
        (tac) =>
          guard(() => {
            tac.services[key] = {
              key,
              type: 'analytic',
              name: this.settings.name ?? 'Reticent (session replay)',
              needConsent: true,
              cookies: [],
              uri: this.settings.readmoreLink ?? '',
              readmoreLink: this.settings.readmoreLink ?? '',
              js: () => send('granted'),
              fallback: () => send(stateOf(tac, key) === 'granted' ? 'granted' : 'denied'),
            };
            (tac.job = tac.job || []).push(key);
            const s = stateOf(tac, key);
            if (s !== 'unknown') send(s);
          }, undefined),
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

function stateOf(tac: Tac | undefined, key: string): ConsentSignal {
  const v = tac?.state?.[key];
  return v === true ? 'granted' : v === false ? 'denied' : 'unknown';
}
