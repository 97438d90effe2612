import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard } from './wait-for.js';

/** Settings of the Didomi adapter. */
export interface DidomiSettings {
  /** The vendor id of Reticent in your Didomi notice (e.g. a custom vendor `c:reticent`). Required. */
  vendorId: string;
  /** Also require this purpose id to be enabled (the vendor's required purposes are already included by Didomi). */
  purposeId?: string;
  /** Record when Didomi says consent is not required for this visitor. Default `false`. */
  recordWhenConsentNotRequired?: boolean;
}

interface DidomiStatus {
  vendors?: Record<string, { enabled?: boolean } | undefined>;
  purposes?: Record<string, { enabled?: boolean } | undefined>;
}
interface DidomiApi {
  getCurrentUserStatus(): DidomiStatus;
  isConsentRequired?(): boolean;
}

/** Decides from Didomi's current user status; exported for unit tests. */
export function didomiSignal(api: DidomiApi, s: DidomiSettings): ConsentSignal {
  if (api.isConsentRequired && api.isConsentRequired() === false) {
    return s.recordWhenConsentNotRequired ? 'granted' : 'denied';
  }
  const st = api.getCurrentUserStatus();
  const vendor = st.vendors?.[s.vendorId]?.enabled === true;
  const purpose = s.purposeId === undefined || st.purposes?.[s.purposeId]?.enabled === true;
  return vendor && purpose ? 'granted' : 'denied';
}

/** Didomi through its documented queues `didomiOnReady` and `didomiEventListeners`. */
export class DidomiAdapter implements ConsentAdapter {
  private stopped = false;

  constructor(private readonly settings: DidomiSettings, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    emit('unknown');
    const evaluate = (api: unknown) => {
      if (this.stopped) return;
      emit(guard(() => didomiSignal(api as DidomiApi, this.settings), 'unknown'));
    };
    const ready = (this.g.didomiOnReady = (this.g.didomiOnReady as unknown[]) || []) as unknown[];
    ready.push((api: unknown) => evaluate(api));
    const listeners = (this.g.didomiEventListeners = (this.g.didomiEventListeners as unknown[]) || []) as unknown[];
    listeners.push({ event: 'consent.changed', listener: () => evaluate(this.g.Didomi) });
  }

  /** Didomi offers no way to unregister queued callbacks: they are silenced instead. */
  stop(): void {
    this.stopped = true;
  }
}
