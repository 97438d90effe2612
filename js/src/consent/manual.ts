import type { ConsentAdapter, ConsentSignal } from './types.js';

/**
 * The site reports consent itself through `recorder.grantConsent()` and
 * `recorder.withdrawConsent()`; the state starts unknown (nothing recorded).
 */
export class ManualAdapter implements ConsentAdapter {
  private emit: ((s: ConsentSignal) => void) | undefined;

  start(emit: (signal: ConsentSignal) => void): void {
    this.emit = emit;
    emit('unknown');
  }

  /** Called by `grantConsent()` / `withdrawConsent()`. */
  set(signal: ConsentSignal): void {
    this.emit?.(signal);
  }

  stop(): void {
    this.emit = undefined;
  }
}
