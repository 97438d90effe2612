import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard, waitFor } from './wait-for.js';

/** Settings of the IAB TCF v2.2 adapter. */
export interface TcfSettings {
  /**
   * TCF purposes that must all have consent. Default `[1, 8]`: store/access
   * information on a device, and measure content performance. Add 10
   * ("develop and improve services") if your notice declares it.
   */
  purposes?: number[];
  /**
   * Your vendor id in the Global Vendor List, when Reticent is declared as a
   * vendor. Without it, publisher consent (`publisher.consents`) for the
   * purposes is required, which suits a site running the recorder itself.
   */
  vendorId?: number;
  /**
   * When the CMP says GDPR does not apply to the visitor (`gdprApplies:
   * false`), record anyway? Default `false`: without a positive signal,
   * nothing is recorded.
   */
  recordWhenGdprDoesNotApply?: boolean;
}

/** The subset of `tcData` the adapter reads (sparse maps: absent means no). */
interface TcData {
  gdprApplies?: boolean;
  eventStatus?: string;
  listenerId?: number;
  purpose?: { consents?: Record<string, boolean | undefined> };
  vendor?: { consents?: Record<string, boolean | undefined> };
  publisher?: { consents?: Record<string, boolean | undefined> };
}

type TcfApi = (cmd: string, version: number, cb: (d: TcData | null, ok: boolean) => void, param?: unknown) => void;

/** Decides from one `tcData`; exported for unit tests. */
export function tcfSignal(d: TcData | null, ok: boolean, s: Required<Pick<TcfSettings, 'purposes'>> & TcfSettings): ConsentSignal {
  if (!ok || !d) return 'unknown';
  if (d.gdprApplies === false) return s.recordWhenGdprDoesNotApply ? 'granted' : 'denied';
  // While the banner is shown and before any stored choice, every signal is false.
  const has = (m: Record<string, boolean | undefined> | undefined, id: number) => m?.[String(id)] === true;
  const purposes = s.purposes.every((p) => has(d.purpose?.consents, p));
  const party =
    s.vendorId !== undefined ? has(d.vendor?.consents, s.vendorId) : s.purposes.every((p) => has(d.publisher?.consents, p));
  if (purposes && party) return 'granted';
  return d.eventStatus === 'cmpuishown' ? 'unknown' : 'denied';
}

/** IAB TCF v2.2 through `window.__tcfapi('addEventListener', 2, …)`. */
export class TcfAdapter implements ConsentAdapter {
  private cancelWait = () => {};
  private listenerId: number | undefined;
  private api: TcfApi | undefined;
  private stopped = false;

  constructor(private readonly settings: TcfSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const s = { ...this.settings, purposes: this.settings.purposes ?? [1, 8] };
    emit('unknown');
    this.cancelWait = waitFor(
      () => (typeof this.g.__tcfapi === 'function' ? (this.g.__tcfapi as TcfApi) : undefined),
      (api) => {
        this.api = api;
        guard(() => {
          api('addEventListener', 2, (d, ok) => {
            if (this.stopped) return;
            // Listener ids start at 0: test for a number, not truthiness.
            if (d && typeof d.listenerId === 'number') this.listenerId = d.listenerId;
            emit(guard(() => tcfSignal(d, ok, s), 'unknown'));
          });
        }, undefined);
      },
      this.g,
    );
  }

  stop(): void {
    this.stopped = true;
    this.cancelWait();
    const { api, listenerId } = this;
    if (api && listenerId !== undefined) guard(() => api('removeEventListener', 2, () => {}, listenerId), undefined);
  }
}
