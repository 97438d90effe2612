import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard } from './wait-for.js';

/** Settings of the Google Consent Mode v2 adapter. */
export interface GoogleConsentModeSettings {
  /** The consent type that gates recording. Default `analytics_storage`. */
  consentType?: string;
}

type Entry = ArrayLike<unknown> | Record<string, unknown> | undefined;
type Value = 'granted' | 'denied';

/** What the dataLayer has said so far of one consent type. */
export interface ConsentModeState {
  /** The last `default` without `region`. */
  globalDefault?: Value;
  /**
   * A `default` scoped to regions denied. gtag applies a region's default
   * over the global one whatever their order, and the recorder cannot know
   * the visitor's region, so the visitor may be in one of them: only an
   * `update` can grant after that (fail closed).
   */
  regionDenied: boolean;
  /** The last `update`: it overrides every default. */
  update?: Value;
}

export const INITIAL_CONSENT_MODE: ConsentModeState = { regionDenied: false };

/**
 * Folds one dataLayer entry into `state`: `gtag('consent', 'default' |
 * 'update', {...})` pushes an `arguments` object. Entries that say nothing
 * of `type` leave it as it is. A region-scoped `default` that grants is not
 * trusted (the visitor may be elsewhere); one that denies is (see
 * `regionDenied`).
 */
export function applyEntry(state: ConsentModeState, entry: Entry, type: string): ConsentModeState {
  if (!entry || typeof entry !== 'object' || !('length' in entry)) return state;
  const a = entry as ArrayLike<unknown>;
  if (a[0] !== 'consent' || (a[1] !== 'default' && a[1] !== 'update')) return state;
  const params = a[2] as Record<string, unknown> | undefined;
  if (!params || typeof params !== 'object') return state;
  const v = params[type];
  if (v !== 'granted' && v !== 'denied') return state;
  if (a[1] === 'update') return { ...state, update: v };
  if (params.region === undefined) return { ...state, globalDefault: v };
  return v === 'denied' ? { ...state, regionDenied: true } : state;
}

/** The signal `state` gives: an update, else the defaults, denied first. */
export function consentModeSignal(state: ConsentModeState): ConsentSignal {
  if (state.update) return state.update;
  if (state.regionDenied) return 'denied';
  return state.globalDefault ?? 'unknown';
}

/** Google Consent Mode v2 via `window.dataLayer` (existing entries, then wrapped `push`). */
export class GoogleConsentModeAdapter implements ConsentAdapter {
  private restore = () => {};

  constructor(private readonly settings: GoogleConsentModeSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const type = this.settings.consentType ?? 'analytics_storage';
    let state = INITIAL_CONSENT_MODE;
    const read = (e: Entry) => {
      state = guard(() => applyEntry(state, e, type), state);
    };
    // The gtag snippet does the same: `window.dataLayer = window.dataLayer || []`.
    const dl = (Array.isArray(this.g.dataLayer) ? this.g.dataLayer : (this.g.dataLayer = [])) as unknown[];
    dl.forEach((e) => read(e as Entry));
    emit(consentModeSignal(state));
    const original = dl.push;
    let active = true;
    const wrapped = function (this: unknown[], ...items: unknown[]): number {
      const n = original.apply(this, items);
      if (active) {
        for (const e of items) read(e as Entry);
        emit(consentModeSignal(state));
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
