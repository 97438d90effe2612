import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard } from './wait-for.js';

/** Settings of the Google Consent Mode v2 adapter. */
export interface GoogleConsentModeSettings {
  /** The consent type that gates recording. Default `analytics_storage`. */
  consentType?: string;
}

type Entry = ArrayLike<unknown> | Record<string, unknown> | undefined;

/**
 * Reads one dataLayer entry: `gtag('consent', 'default' | 'update', {...})`
 * pushes an `arguments` object. Returns the new state, or `undefined` when the
 * entry says nothing about `type`. A `default` scoped to regions is applied
 * only when it denies: we cannot know the visitor's region, so a
 * region-scoped grant is not trusted (fail closed).
 */
export function consentFromEntry(entry: Entry, type: string): ConsentSignal | undefined {
  if (!entry || typeof entry !== 'object' || !('length' in entry)) return undefined;
  const a = entry as ArrayLike<unknown>;
  if (a[0] !== 'consent' || (a[1] !== 'default' && a[1] !== 'update')) return undefined;
  const params = a[2] as Record<string, unknown> | undefined;
  if (!params || typeof params !== 'object') return undefined;
  const v = params[type];
  if (v !== 'granted' && v !== 'denied') return undefined;
  if (a[1] === 'default' && params.region !== undefined && v === 'granted') return undefined;
  return v;
}

/** Google Consent Mode v2 via `window.dataLayer` (existing entries, then wrapped `push`). */
export class GoogleConsentModeAdapter implements ConsentAdapter {
  private restore = () => {};

  constructor(private readonly settings: GoogleConsentModeSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const type = this.settings.consentType ?? 'analytics_storage';
    let state: ConsentSignal = 'unknown';
    const read = (e: Entry) => {
      const s = guard(() => consentFromEntry(e, type), undefined);
      if (s) state = s;
    };
    // The gtag snippet does the same: `window.dataLayer = window.dataLayer || []`.
    const dl = (Array.isArray(this.g.dataLayer) ? this.g.dataLayer : (this.g.dataLayer = [])) as unknown[];
    dl.forEach((e) => read(e as Entry));
    emit(state);
    const original = dl.push;
    let active = true;
    const wrapped = function (this: unknown[], ...items: unknown[]): number {
      const n = original.apply(this, items);
      if (active) {
        for (const e of items) read(e as Entry);
        emit(state);
      }
      return n;
    };
    dl.push = wrapped;
    // Tag managers may wrap `push` after us: then only the flag can silence ours.
    this.restore = () => {
      active = false;
      if (dl.push === wrapped) dl.push = original;
    };
  }

  stop(): void {
    this.restore();
    this.restore = () => {};
  }
}
