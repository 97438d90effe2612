import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard, waitFor } from './wait-for.js';

/** Settings of the Usercentrics adapter. */
export interface UsercentricsSettings {
  /** The Usercentrics service (template) id of Reticent, or its exact name. Required. */
  service: string;
  /** The name of the custom window event configured in the Usercentrics admin, if any (e.g. `ucEvent`). */
  windowEvent?: string;
}

interface V3 {
  getConsentDetails(): Promise<{ services?: Record<string, { name?: string; consent?: { given?: boolean } }> }>;
}
interface V2 {
  isInitialized?(): boolean;
  getServicesBaseInfo(): Array<{ id?: string; name?: string; consent?: { status?: boolean } }>;
}

/** Reads v3 consent details; exported for unit tests. */
export function usercentricsV3Signal(details: Awaited<ReturnType<V3['getConsentDetails']>>, service: string): ConsentSignal {
  const services = details?.services ?? {};
  const entry = services[service] ?? Object.values(services).find((s) => s?.name === service);
  if (!entry) return 'unknown';
  return entry.consent?.given === true ? 'granted' : 'denied';
}

/** Reads v2 services; exported for unit tests. */
export function usercentricsV2Signal(list: ReturnType<V2['getServicesBaseInfo']>, service: string): ConsentSignal {
  const entry = (list ?? []).find((s) => s?.id === service || s?.name === service);
  if (!entry) return 'unknown';
  return entry.consent?.status === true ? 'granted' : 'denied';
}

/**
 * Usercentrics Web CMP v3 (`window.__ucCmp`) and v2 (`window.UC_UI`). Re-reads
 * on `UC_CONSENT`, `UC_UI_INITIALIZED`, `UC_UI_CMP_EVENT` and the site's own
 * window event.
 */
export class UsercentricsAdapter implements ConsentAdapter {
  private cleanups: Array<() => void> = [];
  private stopped = false;
  private generation = 0;

  constructor(private readonly settings: UsercentricsSettings, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const send = (s: ConsentSignal) => {
      if (!this.stopped) emit(s);
    };
    const read = () => {
      const mine = ++this.generation;
      const v3 = this.g.__ucCmp as V3 | undefined;
      const v2 = this.g.UC_UI as V2 | undefined;
      if (v3 && typeof v3.getConsentDetails === 'function') {
        guard(
          () =>
            v3.getConsentDetails().then(
              // Answers may arrive out of order: only the latest read counts.
              (d) => mine === this.generation && send(guard(() => usercentricsV3Signal(d, this.settings.service), 'unknown')),
              () => mine === this.generation && send('unknown'),
            ),
          undefined,
        );
      } else if (v2 && typeof v2.getServicesBaseInfo === 'function' && v2.isInitialized?.() !== false) {
        send(guard(() => usercentricsV2Signal(v2.getServicesBaseInfo(), this.settings.service), 'unknown'));
      }
    };
    emit('unknown');
    const names = ['UC_CONSENT', 'UC_UI_INITIALIZED', 'UC_UI_CMP_EVENT'];
    if (this.settings.windowEvent) names.push(this.settings.windowEvent);
    for (const n of names) {
      this.g.addEventListener(n, read);
      this.cleanups.push(() => this.g.removeEventListener(n, read));
    }
    this.cleanups.push(waitFor(() => (this.g.__ucCmp || this.g.UC_UI ? true : undefined), read, this.g));
  }

  stop(): void {
    this.stopped = true;
    this.cleanups.forEach((c) => c());
    this.cleanups = [];
  }
}
