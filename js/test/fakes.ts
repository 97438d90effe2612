// Test doubles: a scriptable wasm Recorder, manual timers, a recording send/fetch.
import type { CompressionDeps, WorkerLike } from '../src/compressor.js';
import type { Timers } from '../src/recorder.js';
import type { ToWorker } from '../src/worker/protocol.js';
import type { WasmRecorder } from '../src/wasm/contract.js';

export type Method =
  | 'grantConsent'
  | 'withdrawConsent'
  | 'takeBatch'
  | 'takeRawBatch'
  | 'recordTrigger'
  | 'checkpoint'
  | 'takeError'
  | 'mirrorSize'
  | 'pendingEvents'
  | 'free';

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
  /** What `isPageExcluded()` answers (tests set it; calls are not logged). */
  pageExcluded = false;
  /** What the `excluded` getter answers (an SPA navigation into an excluded page). */
  excludedNow = false;
  get excluded(): boolean {
    return this.excludedNow;
  }
  /** What the `snapshotPending` getter answers (a large page's snapshot still in slices). */
  slicing = false;
  get snapshotPending(): boolean {
    return this.slicing;
  }
  isPageExcluded(): boolean {
    if (this.freed) throw new Error('null pointer passed to rust');
    return this.pageExcluded;
  }
  private enter(m: Method): void {
    this.calls.push(m);
    if (this.freed) throw new Error('null pointer passed to rust');
    const t = this.throwOn.get(m);
    if (t) throw t();
  }
  /** Tests set it: the next grantConsent takes its snapshot in slices, finished by {@link finishSlicing}. */
  sliceNextSnapshot = false;
  private sliced: string | undefined;
  grantConsent(sessionId: string, pageViewId: string): void {
    this.enter('grantConsent');
    this.state = 'granted';
    const snapshot = `snapshot ${sessionId} ${pageViewId}`;
    if (this.sliceNextSnapshot) {
      this.sliceNextSnapshot = false;
      this.slicing = true;
      this.sliced = snapshot;
      return;
    }
    this.pending.push(new TextEncoder().encode(snapshot));
  }
  /** The last slice of a sliced snapshot: the snapshot reaches the buffer. */
  finishSlicing(): void {
    if (this.sliced !== undefined && this.state === 'granted') this.pending.push(new TextEncoder().encode(this.sliced));
    this.sliced = undefined;
    this.slicing = false;
  }
  withdrawConsent(): void {
    this.enter('withdrawConsent');
    this.state = 'denied';
    this.excludedNow = false;
    this.pending = [];
  }
  /** The error the module keeps after stopping itself (tests set it). */
  stoppedBy: Error | undefined;

  takeError(): Error | undefined {
    this.enter('takeError');
    const e = this.stoppedBy;
    this.stoppedBy = undefined;
    return e;
  }

  mirrorSize(): number {
    this.enter('mirrorSize');
    return 0;
  }

  checkpoint(): void {
    this.enter('checkpoint');
    if (this.state === 'granted') this.pending.push(new TextEncoder().encode(`checkpoint${++this.checkpoints}`));
  }
  checkpoints = 0;
  /** The `dropped` argument of every takeBatch call. */
  droppedArgs: number[] = [];

  takeBatch(dropped?: number): Uint8Array | undefined {
    this.enter('takeBatch');
    this.droppedArgs.push(dropped ?? 0);
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
  /**
   * The fake module's batches are their events' text, concatenated; the
   * fake "gzip" ({@link fakeGzip}) puts a gzip header in front, which the
   * recording sends check, so every batch sent went through compression.
   */
  takeRawBatch(dropped?: number): Uint8Array | undefined {
    this.enter('takeRawBatch');
    this.droppedArgs.push(dropped ?? 0);
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
  /** The reasons recordTrigger recorded (as the core would, in the buffer). */
  triggers: Array<string | undefined> = [];
  recordTrigger(reason?: string): boolean {
    this.enter('recordTrigger');
    if (this.state !== 'granted') return false;
    this.triggers.push(reason);
    this.pending.push(new TextEncoder().encode(`trigger(${reason ?? ''})`));
    return true;
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

/**
 * Timers driven by hand: `fire()` runs every live interval callback once;
 * timeouts run when `advance(ms)` moves the virtual clock past them.
 */
export class ManualTimers implements Timers {
  private next = 1;
  live = new Map<number, { callback: () => void; ms: number }>();
  timeouts = new Map<number, { callback: () => void; due: number; ms: number }>();
  created = 0;
  time = 0;
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.timeouts.set(id, { callback, due: this.time + ms, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timeouts.delete(handle as number);
  }
  /** Moves the clock by `ms`, running due timeouts in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextDue = Infinity;
      for (const [id, t] of this.timeouts) if (t.due <= end && t.due < nextDue) [nextId, nextDue] = [id, t.due];
      if (nextId === undefined) break;
      const t = this.timeouts.get(nextId)!;
      this.timeouts.delete(nextId);
      this.time = Math.max(this.time, t.due);
      t.callback();
    }
    this.time = end;
  }
  /** Delays of the pending timeouts (ms as requested), in creation order. */
  pendingDelays(): number[] {
    return [...this.timeouts.values()].map((t) => t.ms);
  }
  /** Runs the callbacks of the live intervals of period `ms`. */
  fireEvery(ms: number): void {
    for (const { callback, ms: m } of [...this.live.values()]) if (m === ms) callback();
  }
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
    sent.push(batchText(batch));
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

/** An in-memory `Storage` that logs calls and can be told to throw. */
export class FakeStorage {
  data = new Map<string, string>();
  calls: string[] = [];
  throws = false;
  getItem(key: string): string | null {
    this.calls.push(`get ${key}`);
    if (this.throws) throw new DOMException('denied', 'SecurityError');
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.calls.push(`set ${key}`);
    if (this.throws) throw new DOMException('denied', 'SecurityError');
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.calls.push(`remove ${key}`);
    if (this.throws) throw new DOMException('denied', 'SecurityError');
    this.data.delete(key);
  }
}

/** `window` and `document` stand-ins that keep their listeners and dispatch by hand. */
export class FakePage {
  visibilityState = 'visible';
  private listeners = new Map<string, Set<(e: Event) => void>>();
  readonly window = this.target('w');
  readonly document: ReturnType<FakePage['target']> & { readonly visibilityState: string };
  constructor() {
    const doc = this.target('d');
    Object.defineProperty(doc, 'visibilityState', { get: () => this.visibilityState });
    this.document = doc as FakePage['document'];
  }
  private target(prefix: string) {
    return {
      addEventListener: (type: string, l: (e: Event) => void) => {
        const k = `${prefix}:${type}`;
        if (!this.listeners.has(k)) this.listeners.set(k, new Set());
        this.listeners.get(k)!.add(l);
      },
      removeEventListener: (type: string, l: (e: Event) => void) => {
        this.listeners.get(`${prefix}:${type}`)?.delete(l);
      },
    };
  }
  /** Dispatches `type` on the window (`w`) or document (`d`). */
  dispatch(on: 'w' | 'd', type: string): void {
    for (const l of [...(this.listeners.get(`${on}:${type}`) ?? [])]) l(new Event(type));
  }
  /** How many listeners are attached. */
  get count(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

/**
 * The fake "gzip": the text behind a gzip header, so the compressor's check
 * passes and {@link batchText} can tell a compressed batch from a raw one.
 */
export function fakeGzip(raw: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(raw);
  // A real gzip header, so the compressor's check (it starts 1f 8b, 18+ bytes) passes.
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(GZ_MAGIC.length + body.length);
  out.set(GZ_MAGIC);
  out.set(body, GZ_MAGIC.length);
  return out;
}

/** 18 bytes that start like a gzip member. */
const GZ_MAGIC = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The text of a {@link fakeGzip} output, or `RAW:` and the text of anything else (never expected). */
export function batchText(bytes: Uint8Array): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return new TextDecoder().decode(bytes.subarray(GZ_MAGIC.length));
  return `RAW:${new TextDecoder().decode(bytes)}`;
}

/** Main-thread compression with {@link fakeGzip}, counting calls. */
export function fakeCompression(log: string[] = []): CompressionDeps & { log: string[] } {
  return {
    log,
    gzip: (raw) => {
      log.push(`main:${new TextDecoder().decode(raw)}`);
      return fakeGzip(raw);
    },
  };
}

/** A scriptable compression worker: answers when told, can crash or hang. */
export class FakeWorker implements WorkerLike {
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessageerror: ((event: unknown) => void) | null = null;
  received: ToWorker[] = [];
  terminated = false;
  postMessage(message: ToWorker): void {
    if (this.terminated) throw new Error('terminated');
    // Structured clone: the worker gets a copy.
    this.received.push(message.type === 'gzip' ? { ...message, raw: message.raw.slice() } : message);
  }
  terminate(): void {
    this.terminated = true;
  }
  /** Gzip jobs received and not answered, oldest first. */
  get jobs(): Array<{ id: number; raw: Uint8Array }> {
    return this.received.filter((m): m is Extract<ToWorker, { type: 'gzip' }> => m.type === 'gzip');
  }
  private answered = new Set<number>();
  /** Answers `ready`. */
  ready(): void {
    this.onmessage?.({ data: { type: 'ready' } });
  }
  /** Answers the oldest unanswered job (or job `id`) with its fakeGzip bytes, marked as from the worker. */
  answer(id?: number): void {
    const job = this.jobs.find((j) => !this.answered.has(j.id) && (id === undefined || j.id === id));
    if (!job) throw new Error('no job to answer');
    this.answered.add(job.id);
    const bytes = fakeGzip(new TextEncoder().encode(`w:${new TextDecoder().decode(job.raw)}`));
    this.onmessage?.({ data: { type: 'done', id: job.id, bytes } });
  }
  /** Answers every unanswered job, in order. */
  answerAll(): void {
    while (this.jobs.some((j) => !this.answered.has(j.id))) this.answer();
  }
  /** The worker dies (uncaught error in it, or a script the CSP blocked). */
  crash(): void {
    this.onerror?.({ type: 'error' });
  }
  /** Answers `failed` for the oldest job. */
  fail(): void {
    const job = this.jobs.find((j) => !this.answered.has(j.id));
    if (job) this.onmessage?.({ data: { type: 'failed', id: job.id, message: 'boom' } });
  }
}
