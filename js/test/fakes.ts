// Test doubles: a scriptable wasm Recorder, manual timers, a recording send/fetch.
import type { Timers } from '../src/recorder.js';
import type { WasmRecorder } from '../src/wasm/contract.js';

export type Method = 'grantConsent' | 'withdrawConsent' | 'takeBatch' | 'checkpoint' | 'pendingEvents' | 'free';

/** A fake wasm Recorder: buffers "events" as byte arrays, logs calls, can be told to throw. */
export class FakeWasm implements WasmRecorder {
  calls: string[] = [];
  pending: Uint8Array[] = [];
  state = 'unknown';
  freed = false;
  throwOn = new Map<Method, () => unknown>();

  get consentState(): string {
    return this.state;
  }
  private enter(m: Method): void {
    this.calls.push(m);
    if (this.freed) throw new Error('null pointer passed to rust');
    const t = this.throwOn.get(m);
    if (t) throw t();
  }
  grantConsent(sessionId: string, pageViewId: string): void {
    this.enter('grantConsent');
    this.state = 'granted';
    this.pending.push(new TextEncoder().encode(`snapshot ${sessionId} ${pageViewId}`));
  }
  withdrawConsent(): void {
    this.enter('withdrawConsent');
    this.state = 'denied';
    this.pending = [];
  }
  checkpoint(): void {
    this.enter('checkpoint');
  }

  takeBatch(): Uint8Array | undefined {
    this.enter('takeBatch');
    if (this.pending.length === 0) return undefined;
    const total = this.pending.reduce((n, b) => n + b.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of this.pending) {
      out.set(b, at);
      at += b.length;
    }
    this.pending = [];
    return out;
  }
  pendingEvents(): number {
    this.enter('pendingEvents');
    return this.pending.length;
  }
  free(): void {
    this.enter('free');
    this.freed = true;
  }
  /** What the binding would do when the page changes while recording. */
  record(text: string): void {
    if (this.state === 'granted') this.pending.push(new TextEncoder().encode(text));
  }
}

/** Timers driven by hand: `fire()` runs every live interval callback once. */
export class ManualTimers implements Timers {
  private next = 1;
  live = new Map<number, { callback: () => void; ms: number }>();
  created = 0;
  setInterval(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.created++;
    this.live.set(id, { callback, ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.live.delete(handle as number);
  }
  fire(): void {
    for (const { callback } of [...this.live.values()]) callback();
  }
}

/** A `send` that records batches and answers with `result` (or rejects / throws when told). */
export function recordingSend(result: boolean | 'reject' | 'throw' = true) {
  const sent: string[] = [];
  const send = (batch: Uint8Array): Promise<boolean> => {
    sent.push(new TextDecoder().decode(batch));
    if (result === 'throw') throw new Error('send threw');
    if (result === 'reject') return Promise.reject(new Error('send rejected'));
    return Promise.resolve(result);
  };
  return { send, sent };
}

/** Lets pending promise callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
