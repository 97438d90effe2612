import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard } from './wait-for.js';

/** Settings of the Axeptio adapter. */
export interface AxeptioSettings {
  /** The vendor name of Reticent in your Axeptio project. Default `reticent`. */
  vendor?: string;
}

interface AxeptioSdk {
  on(event: string, cb: (payload: unknown) => void): void;
}

/** Reads Axeptio's choices object; exported for unit tests. */
export function axeptioSignal(choices: unknown, vendor: string): ConsentSignal {
  if (!choices || typeof choices !== 'object') return 'unknown';
  return (choices as Record<string, unknown>)[vendor] === true ? 'granted' : 'denied';
}

/**
 * Axeptio through its `_axcb` queue. `cookies:complete` fires with the choices
 * once they are known (stored or fresh) and, as far as we know, again after a
 * change; `consent:saved` is handled too in case it is the only one to fire.
 */
export class AxeptioAdapter implements ConsentAdapter {
  private stopped = false;

  constructor(private readonly settings: AxeptioSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const vendor = this.settings.vendor ?? 'reticent';
    emit('unknown');
    const queue = (this.g._axcb = (this.g._axcb as unknown[]) || []) as unknown[];
    queue.push((sdk: AxeptioSdk) => {
      guard(() => {
        sdk.on('cookies:complete', (choices) => {
          if (!this.stopped) emit(guard(() => axeptioSignal(choices, vendor), 'unknown'));
        });
        sdk.on('consent:saved', (payload) => {
          if (this.stopped) return;
          const p = payload as { consent?: { preferences?: { vendors?: unknown } } } | undefined;
          const vendors = guard(() => p?.consent?.preferences?.vendors, undefined);
          if (vendors) emit(guard(() => axeptioSignal(vendors, vendor), 'unknown'));
        });
      }, undefined);
    });
  }

  /** Axeptio has no documented way to remove handlers: they are silenced instead. */
  stop(): void {
    this.stopped = true;
  }
}
