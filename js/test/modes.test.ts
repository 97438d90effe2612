// The recorder's sessions, sampling, on-trigger window, page-exit flush and size flush,
// with a fake module, fake timers, a fake clock, a fake sessionStorage and fake page events.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { ConsentAdapter, ConsentSignal } from '../src/consent/types.js';
import { validateOptions, type ReticentOptions } from '../src/options.js';
import { createRecorder, type Recorder } from '../src/recorder.js';
import { SESSION_KEY } from '../src/session.js';
import type { SendInfo } from '../src/transport.js';
import { FakePage, FakeStorage, FakeWasm, ManualTimers, settle, fakeCompression, batchText } from './fakes.js';

const T0 = 1_800_000_000_000;
const MIN = 60_000;

interface Setup {
  wasm: FakeWasm;
  timers: ManualTimers;
  storage: FakeStorage;
  page: FakePage;
  sent: Array<{ text: string; info: SendInfo }>;
  clock: { t: number };
  recorder: Recorder;
  ids: string[];
}

function setup(
  extra: Partial<ReticentOptions> = {},
  shared: { storage?: FakeStorage; random?: () => number; answer?: () => unknown; adapter?: ConsentAdapter } = {},
): Setup {
  const wasm = new FakeWasm();
  const timers = new ManualTimers();
  const storage = shared.storage ?? new FakeStorage();
  const page = new FakePage();
  const sent: Setup['sent'] = [];
  const clock = { t: T0 };
  const ids: string[] = [];
  const options = validateOptions({ endpoint: '/ingest', consent: 'manual', flushInterval: 5000, ...extra });
  const recorder = createRecorder({
    wasm,
    options,
    compression: fakeCompression(),
    timers,
    page,
    storage: () => storage,
    ...(shared.adapter ? { adapter: shared.adapter } : {}),
    now: () => clock.t,
    random: shared.random ?? (() => 0.5),
    newId: () => {
      const id = `id${ids.length + 1}${Math.random().toString(36).slice(2, 6)}`;
      ids.push(id);
      return id;
    },
    send: (batch, info) => {
      // The attempt's abort signal is checked by the queue's own tests.
      sent.push({ text: batchText(batch), info: { sequence: info.sequence, exit: info.exit } });
      return Promise.resolve((shared.answer?.() as boolean | undefined) ?? true);
    },
  });
  return { wasm, timers, storage, page, sent, clock, recorder, ids };
}

function stored(s: Setup) {
  const raw = s.storage.data.get(SESSION_KEY);
  return raw === undefined ? undefined : JSON.parse(raw);
}

let fetchSpy: ReturnType<typeof mock.method> | undefined;
beforeEach(() => {
  fetchSpy = mock.method(globalThis, 'fetch', () => Promise.reject(new Error('network used in a unit test')));
});
afterEach(() => fetchSpy?.mock.restore());

describe('session storage', () => {
  it('is not touched before consent; written at consent; deleted on withdrawal', async () => {
    const s = setup();
    await settle();
    assert.deepEqual(s.storage.calls, [], 'nothing read or written before consent');
    assert.equal(s.page.count, 0, 'no page listener before consent');
    s.recorder.grantConsent();
    await settle();
    const entry = stored(s);
    assert.deepEqual(Object.keys(entry).sort(), ['id', 'lastActivity', 'sampled', 'started', 'triggered']);
    assert.equal(entry.started, T0);
    assert.equal(entry.sampled, true);
    assert.match(s.sent[0]!.text, new RegExp(`^snapshot ${entry.id} `));
    s.recorder.withdrawConsent();
    assert.equal(stored(s), undefined);
    assert.equal(s.page.count, 0, 'listeners removed');
  });

  it('stop() deletes it too', () => {
    const s = setup();
    s.recorder.grantConsent();
    s.recorder.stop();
    assert.equal(stored(s), undefined);
  });

  it('a new page view continues the session: same session id, new page-view id', async () => {
    const storage = new FakeStorage();
    const a = setup({}, { storage });
    a.recorder.grantConsent();
    await settle();
    const b = setup({}, { storage });
    b.clock.t = T0 + 10 * MIN;
    b.recorder.grantConsent();
    await settle();
    const [, sa, pa] = a.sent[0]!.text.split(' ');
    const [, sb, pb] = b.sent[0]!.text.split(' ');
    assert.equal(sb, sa);
    assert.notEqual(pb, pa);
    assert.equal(stored(b).lastActivity, T0 + 10 * MIN);
  });

  it('a withdrawal before this page recorded ends the stored session: the next grant starts a new one', async () => {
    const storage = new FakeStorage();
    const a = setup({}, { storage });
    a.recorder.grantConsent();
    await settle();
    const [, first] = a.sent[0]!.text.split(' ');
    // The next page: withdrawn before anything records, then granted again.
    const b = setup({}, { storage });
    b.clock.t = T0 + MIN;
    storage.calls.length = 0;
    b.recorder.withdrawConsent();
    assert.deepEqual(storage.calls, [], 'no storage access before consent');
    b.recorder.grantConsent();
    await settle();
    const [, second] = b.sent[0]!.text.split(' ');
    assert.notEqual(second, first);
    assert.equal(stored(b).id, second);
  });

  it("a CMP's denial while waiting does the same; its 'unknown' does not", async () => {
    const storage = new FakeStorage();
    const a = setup({}, { storage });
    a.recorder.grantConsent();
    await settle();
    const [, first] = a.sent[0]!.text.split(' ');
    const cmp = (signals: ConsentSignal[]): ConsentAdapter => ({
      start: (emit) => signals.forEach((signal) => emit(signal)),
      stop: () => {},
    });
    const continued = setup({}, { storage, adapter: cmp(['unknown', 'granted']) });
    await settle();
    assert.equal(continued.sent[0]!.text.split(' ')[1], first, "'unknown' then 'granted' continues the session");
    const renewed = setup({}, { storage, adapter: cmp(['denied', 'granted']) });
    await settle();
    assert.notEqual(renewed.sent[0]!.text.split(' ')[1], first);
  });

  it("'unknown' while recording pauses (the unsent dropped) and keeps the session; 'denied' ends it", async () => {
    let emit: (s: ConsentSignal) => void = () => undefined;
    const adapter: ConsentAdapter = { start: (e) => void (emit = e), stop: () => {} };
    const s = setup({}, { adapter });
    emit('granted');
    await settle();
    const [, first] = s.sent[0]!.text.split(' ');
    s.wasm.record('unsent');
    emit('unknown');
    assert.equal(stored(s).id, first, 'the stored session stays');
    emit('granted');
    await s.recorder.flush();
    await settle();
    const texts = s.sent.map((x) => x.text);
    assert.ok(!texts.some((t) => t.includes('unsent')), 'what was pending at the pause is dropped');
    assert.equal(texts[1]!.split(' ')[1], first, 'the same session continues');
    emit('denied');
    assert.equal(stored(s), undefined, 'a denial deletes it');
  });

  it('withdrawing after the recorder stopped on an error still deletes the stored session', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    assert.ok(stored(s));
    s.wasm.throwOn.set('takeRawBatch', () => new WebAssembly.RuntimeError('unreachable'));
    s.wasm.record('typed');
    await s.recorder.flush();
    await settle();
    s.recorder.withdrawConsent();
    assert.equal(stored(s), undefined);
  });

  it('falls back to memory when sessionStorage throws, and still records', async () => {
    const storage = Object.assign(new FakeStorage(), { throws: true });
    const s = setup({}, { storage });
    s.recorder.grantConsent();
    await settle();
    assert.equal(s.sent.length, 1);
    assert.match(s.sent[0]!.text, /^snapshot /);
  });

  it('activity after idleTimeout starts a new session with a new snapshot', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    s.clock.t += 10 * MIN;
    s.wasm.record('click');
    s.timers.fireEvery(5000);
    await settle();
    assert.equal(s.sent.at(-1)?.text, 'click');
    const first = stored(s).id;
    s.clock.t += 31 * MIN; // idle...
    s.timers.fireEvery(5000); // nothing pending: nothing happens
    await settle();
    assert.equal(stored(s).id, first);
    s.wasm.record('late click'); // ...then activity
    s.timers.fireEvery(5000);
    await settle();
    const renewed = stored(s);
    assert.notEqual(renewed.id, first);
    assert.equal(renewed.started, s.clock.t);
    assert.match(s.sent.at(-1)!.text, new RegExp(`^snapshot ${renewed.id} `));
    assert.ok(!s.sent.some((x) => x.text.includes('late click')), 'the events of the old session view are dropped; the new snapshot shows their result');
    assert.equal(s.timers.live.size, 2, 'one flush timer and one size timer, not more');
  });

  it('maxSessionDuration ends the session: its last events go out, then a new one starts', async () => {
    const s = setup({ maxSessionDuration: 60 * MIN });
    s.recorder.grantConsent();
    await settle();
    const first = stored(s).id;
    for (let i = 0; i < 12; i++) {
      s.clock.t += 5 * MIN;
      s.wasm.record(`e${i}`);
      s.timers.fireEvery(5000);
      await settle();
    }
    assert.notEqual(stored(s).id, first);
    assert.ok(s.sent.some((x) => x.text === 'e11'), 'the last events of the old session were sent');
    assert.match(s.sent.at(-1)!.text, new RegExp(`^snapshot ${stored(s).id} `));
  });
});

describe('sampling', () => {
  it('a session not drawn records nothing: the module is not even started', async () => {
    const s = setup({ sampleRate: 0.25 }, { random: () => 0.3 });
    s.recorder.grantConsent();
    await s.recorder.flush();
    await settle();
    assert.deepEqual(s.wasm.calls, []);
    assert.deepEqual(s.sent, []);
    assert.equal(s.timers.live.size, 0);
    assert.equal(s.page.count, 0);
    assert.equal(stored(s).sampled, false, 'the decision is kept for the session');
  });

  it('the decision holds for the next page views of the session', async () => {
    const storage = new FakeStorage();
    setup({ sampleRate: 0.25 }, { storage, random: () => 0.3 }).recorder.grantConsent();
    const next = setup({ sampleRate: 0.25 }, { storage, random: () => 0.1 });
    next.recorder.grantConsent();
    await settle();
    assert.deepEqual(next.wasm.calls, []);
  });

  it('sampleRate 1 records every session', async () => {
    const s = setup({ sampleRate: 1 }, { random: () => 0.999999 });
    s.recorder.grantConsent();
    await settle();
    assert.equal(s.sent.length, 1);
  });
});

describe("mode: 'on-trigger'", () => {
  it('sends nothing until trigger(), then the last window, then continuously', async () => {
    const s = setup({ mode: 'on-trigger', triggerWindow: 10_000 });
    s.recorder.grantConsent();
    await settle();
    assert.equal(s.sent.length, 0);
    assert.deepEqual([...s.timers.live.values()].map((t) => t.ms), [5000], 'one segment timer at triggerWindow / 2');
    for (let i = 1; i <= 5; i++) {
      s.wasm.record(`e${i}`);
      s.timers.fireEvery(5000);
      await settle();
    }
    await s.recorder.flush();
    s.page.visibilityState = 'hidden';
    s.page.dispatch('d', 'visibilitychange');
    s.page.dispatch('w', 'pagehide');
    await settle();
    assert.equal(s.sent.length, 0, 'neither flush() nor page exit sends before the trigger');
    assert.equal(s.wasm.calls.filter((c) => c === 'checkpoint').length, 5);
    s.wasm.record('e6');
    s.recorder.trigger('checkout failed');
    await settle();
    // Segments: [snapshot e1] [cp1 e2] [cp2 e3] [cp3 e4] [cp4 e5] | open: cp5 e6. Kept: the last two closed + the open one.
    assert.deepEqual(
      s.sent.map((x) => x.text),
      ['checkpoint3e4', 'checkpoint4e5', 'checkpoint5e6trigger(checkout failed)'],
      'the reason is recorded (by the core) after the open segment',
    );
    assert.deepEqual(s.sent.map((x) => x.info.sequence), [3, 4, 5], 'sequence numbers as the core counted them');
    assert.equal(stored(s).triggered, true);
    s.wasm.record('e7');
    s.timers.fireEvery(5000);
    await settle();
    assert.equal(s.sent.at(-1)?.text, 'e7', 'continuous afterwards');
    assert.equal(s.wasm.calls.filter((c) => c === 'checkpoint').length, 5, 'no more segments');
    s.recorder.trigger();
    await settle();
    assert.equal(s.sent.length, 4, 'a second trigger sends nothing by itself…');
    assert.deepEqual(s.wasm.triggers, ['checkout failed', undefined], '…it only records its marker');
  });

  it('an uncaught error or unhandled rejection triggers it (listeners only after consent, removed after)', async () => {
    for (const type of ['error', 'unhandledrejection']) {
      const s = setup({ mode: 'on-trigger' });
      assert.equal(s.page.count, 0);
      s.recorder.grantConsent();
      await settle();
      assert.equal(s.page.count, 2, 'error + unhandledrejection');
      s.page.dispatch('w', type);
      await settle();
      assert.equal(s.sent.length, 1, `${type} sent the window`);
      assert.match(s.sent[0]!.text, /^snapshot /);
      const reason = type === 'error' ? 'uncaught error' : 'unhandled rejection';
      assert.ok(s.sent[0]!.text.endsWith(`trigger(${reason})`), s.sent[0]!.text);
      assert.equal(s.page.count, 2, 'the two error listeners gone; visibilitychange + pagehide added');
      s.recorder.stop();
      assert.equal(s.page.count, 0);
    }
  });

  it('a triggered session stays continuous on its next page views', async () => {
    const storage = new FakeStorage();
    const a = setup({ mode: 'on-trigger' }, { storage });
    a.recorder.grantConsent();
    a.recorder.trigger();
    const b = setup({ mode: 'on-trigger' }, { storage });
    b.recorder.grantConsent();
    await settle();
    assert.equal(b.sent.length, 1);
  });

  it('trigger() is a no-op before consent; in continuous mode it only records its marker', async () => {
    const s = setup({ mode: 'on-trigger' });
    s.recorder.trigger();
    await settle();
    assert.deepEqual(s.wasm.calls, []);
    const c = setup();
    c.recorder.grantConsent();
    await settle();
    c.recorder.trigger('marked');
    await settle();
    assert.equal(c.sent.length, 1);
    assert.deepEqual(c.wasm.triggers, ['marked']);
    await c.recorder.flush();
    assert.equal(c.sent.at(-1)?.text, 'trigger(marked)', 'goes with the next batch');
  });

  it('withdrawal drops the window', async () => {
    const s = setup({ mode: 'on-trigger' });
    s.recorder.grantConsent();
    s.timers.fireEvery(30_000);
    s.recorder.withdrawConsent();
    s.recorder.trigger();
    await settle();
    assert.deepEqual(s.sent, []);
    assert.equal(s.timers.live.size, 0);
    assert.equal(s.page.count, 0);
  });
});

describe('page exit', () => {
  it('visibilitychange to hidden and pagehide send the pending events with exit: true', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    s.wasm.record('typed');
    s.page.dispatch('d', 'visibilitychange'); // still visible: nothing
    await settle();
    assert.equal(s.sent.length, 1);
    s.page.visibilityState = 'hidden';
    s.page.dispatch('d', 'visibilitychange');
    await settle();
    assert.deepEqual(s.sent[1], { text: 'typed', info: { sequence: 1, exit: true } });
    s.wasm.record('last');
    s.page.dispatch('w', 'pagehide');
    await settle();
    assert.deepEqual(s.sent[2], { text: 'last', info: { sequence: 2, exit: true } });
  });
});

describe('flush by size', () => {
  it('flushes before the interval once pending events × learned bytes per event reach maxBatchBytes', async () => {
    const s = setup({ maxBatchBytes: 1024, flushInterval: 60_000 });
    s.recorder.grantConsent();
    await settle();
    assert.deepEqual([...s.timers.live.values()].map((t) => t.ms).sort(), [1000, 60_000]);
    // Learn: 20 events of 10 bytes, compressed (the fake gzip adds an 18-byte header) → 10.9 bytes per event.
    for (let i = 0; i < 20; i++) s.wasm.record('0123456789');
    await s.recorder.flush();
    // 90 events × 10.9 ≈ 981 bytes: under the budget.
    for (let i = 0; i < 90; i++) s.wasm.record('0123456789');
    s.timers.fireEvery(1000);
    await settle();
    assert.equal(s.sent.length, 2);
    for (let i = 0; i < 4; i++) s.wasm.record('0123456789');
    s.timers.fireEvery(1000);
    await settle();
    assert.equal(s.sent.length, 3, 'over the budget: flushed early');
    assert.equal(s.sent[2]!.text.length, 940);
  });
});

describe('drop accounting', () => {
  it('a batch the collector refuses (413) is counted in the next takeBatch(dropped)', async () => {
    const answers = [{ kind: 'rejected', status: 413 }, true, true];
    let i = 0;
    const s = setup({}, { answer: () => answers[i++] });
    s.recorder.grantConsent();
    await settle();
    s.wasm.record('a');
    await s.recorder.flush();
    s.wasm.record('b');
    await s.recorder.flush();
    assert.deepEqual(s.wasm.droppedArgs, [0, 1, 0]);
  });
});

describe('the transport option', () => {
  it('sends through the hook instead of fetch', async () => {
    const got: Array<[string, unknown]> = [];
    const wasm = new FakeWasm();
    const options = validateOptions({
      endpoint: '/unused',
      consent: 'manual',
      transport: (batch: Uint8Array, info: { sequence?: number; exit?: boolean; signal?: AbortSignal }) => {
        got.push([batchText(batch), info]);
        return Promise.resolve(true);
      },
    });
    const recorder = createRecorder({ wasm, options, compression: fakeCompression(), timers: new ManualTimers(), storage: () => new FakeStorage() });
    recorder.grantConsent();
    await settle();
    await settle();
    assert.equal(got.length, 1);
    const { signal, ...info } = got[0]![1] as { signal?: AbortSignal };
    assert.deepEqual(info, { sequence: 0, exit: false });
    assert.equal(fetchSpy?.mock.callCount(), 0);
    assert.ok(signal instanceof AbortSignal, 'the hook gets the abort signal');
    recorder.stop();
  });
});
