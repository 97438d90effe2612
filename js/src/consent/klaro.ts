import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard, waitFor } from './wait-for.js';

/** Settings of the Klaro adapter. */
export interface KlaroSettings {
  /**
   * The name of the service your Klaro configuration declares for Reticent
   * (`services: [{ name: 'reticent', purposes: ['analytics'], … }]`).
   * Default `reticent`.
   */
  service?: string;
}

/** The subset of Klaro's ConsentManager the adapter reads. */
interface KlaroManager {
  /** True once the visitor saved a choice (or a stored, complete choice was loaded). */
  confirmed?: boolean;
  /** Consents as last *applied* (saved or loaded), per service name. */
  states?: Record<string, boolean | undefined>;
  watch(watcher: KlaroWatcher): void;
  unwatch?(watcher: KlaroWatcher): void;
}
interface KlaroWatcher {
  update(manager: KlaroManager, name: string, data?: unknown): void;
}
interface KlaroLib {
  getManager(config?: unknown): KlaroManager | undefined;
}

/**
 * Decides from Klaro's consent manager; exported for unit tests.
 *
 * Only *applied* consents count (`manager.states`, written when Klaro applies a
 * saved or stored choice), never `getConsent()` / `consents`, which follow the
 * switches the visitor flips before saving. Without a confirmed choice the
 * signal is `unknown`, even for a service Klaro would run by default
 * (`default: true`, `optOut: true`, `required: true`).
 */
export function klaroSignal(m: KlaroManager | undefined, service: string): ConsentSignal {
  if (!m || m.confirmed !== true) return 'unknown';
  const s = m.states?.[service];
  return s === true ? 'granted' : s === false ? 'denied' : 'unknown';
}

/**
 * Klaro (open source, `window.klaro`): Reticent waits for `klaro.getManager()`
 * to return the consent manager (Klaro may load after Reticent; its config may
 * arrive later still), reads the applied state of its service, then watches
 * the manager and re-reads on each `applyConsents` notification. It does not
 * use the service's `callback(consent, service)`, which Klaro also calls with
 * `false` at start-up, before any choice.
 */
export class KlaroAdapter implements ConsentAdapter {
  private cleanups: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly settings: KlaroSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const service = this.settings.service ?? 'reticent';
    emit('unknown');
    const read = (m: KlaroManager) => {
      if (!this.stopped) emit(guard(() => klaroSignal(m, service), 'unknown'));
    };
    this.cleanups.push(
      waitFor(
        () => {
          const k = this.g.klaro as KlaroLib | undefined;
          if (!k || typeof k.getManager !== 'function') return undefined;
          // Throws until Klaro has a configuration: the probe then just tries again.
          const m = k.getManager();
          return m && typeof m.watch === 'function' ? m : undefined;
        },
        (m) =>
          guard(() => {
            if (this.stopped) return;
            const watcher: KlaroWatcher = {
              update: (manager, name) => {
                // 'consents' reports unsaved switches and 'saveConsents' precedes the
                // application: only 'applyConsents' carries a decision.
                if (name === 'applyConsents') read(manager ?? m);
              },
            };
            m.watch(watcher);
            this.cleanups.push(() => guard(() => m.unwatch?.(watcher), undefined));
            read(m);
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
