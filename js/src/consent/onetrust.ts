import type { ConsentAdapter, ConsentSignal, Global } from './types.js';
import { guard } from './wait-for.js';

/** Settings of the OneTrust adapter. */
export interface OneTrustSettings {
  /** The cookie group that gates recording. Default `C0002` (commonly "Performance"). */
  groupId?: string;
}

/** Reads a OneTrust active-groups string like `",C0001,C0002,"`; exported for unit tests. */
export function oneTrustSignal(groups: unknown, groupId: string): ConsentSignal {
  if (Array.isArray(groups)) return groups.includes(groupId) ? 'granted' : 'denied';
  if (typeof groups !== 'string') return 'unknown';
  return groups.split(',').map((g) => g.trim()).includes(groupId) ? 'granted' : 'denied';
}

/** OneTrust: `OnetrustActiveGroups` (or legacy `OptanonActiveGroups`) and the `OneTrustGroupsUpdated` window event. */
export class OneTrustAdapter implements ConsentAdapter {
  private cleanup = () => {};

  constructor(private readonly settings: OneTrustSettings = {}, private readonly g: Global = globalThis as Global) {}

  start(emit: (signal: ConsentSignal) => void): void {
    const id = this.settings.groupId ?? 'C0002';
    const current = () => this.g.OnetrustActiveGroups ?? this.g.OptanonActiveGroups;
    const onUpdate = (e: Event) => {
      const detail = (e as CustomEvent).detail;
      emit(guard(() => oneTrustSignal(detail ?? current(), id), 'unknown'));
    };
    this.g.addEventListener('OneTrustGroupsUpdated', onUpdate);
    this.cleanup = () => this.g.removeEventListener('OneTrustGroupsUpdated', onUpdate);
    emit(guard(() => oneTrustSignal(current(), id), 'unknown'));
  }

  stop(): void {
    this.cleanup();
    this.cleanup = () => {};
  }
}
