import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { CompressionDeps } from '../src/compressor.js';
import { ReticentError } from '../src/errors.js';
import { validateOptions } from '../src/options.js';
import { createRecorder, SNAPSHOT_CHECK_INTERVAL, type Recorder } from '../src/recorder.js';
import { FakeWasm, FakeWorker, ManualTimers, recordingSend, settle, type Method, fakeCompression } from './fakes.js';

interface Setup {
  wasm: FakeWasm;
  timers: ManualTimers;
  sent: string[];
  errors: ReticentError[];
  recorder: Recorder;
}

function setup(
  opts: { send?: ReturnType<typeof recordingSend>; onError?: (e: ReticentError) => void; newId?: () => string; compression?: CompressionDeps } = {},
): Setup {
  const wasm = new FakeWasm();
  const timers = new ManualTimers();
  const { send, sent } = opts.send ?? recordingSend();
  const errors: ReticentError[] = [];
  const onError = opts.onError ?? ((e: ReticentError) => void errors.push(e));
  const options = validateOptions({ endpoint: '/ingest', consent: 'manual', flushInterval: 1000, onError });
  let n = 0;
  const newId = opts.newId ?? (() => `id${++n}`);
  const recorder = createRecorder({ wasm, options, compression: opts.compression ?? fakeCompression(), send, timers, newId });
  return { wasm, timers, sent, errors, recorder };
}

// A global fetch that fails the test if anything reaches the network.
let fetchSpy: ReturnType<typeof mock.method> | undefined;
beforeEach(() => {
  fetchSpy = mock.method(globalThis, 'fetch', () => Promise.reject(new Error('network used in a unit test')));
});
afterEach(() => {
  fetchSpy?.mock.restore();
});

describe('before consent', () => {
  it('creates no timer, calls no send, touches nothing in the module', async () => {
    const s = setup();
    await s.recorder.flush();
    await settle();
    assert.equal(s.timers.created, 0);
    assert.deepEqual(s.sent, []);
    assert.deepEqual(s.wasm.calls, []);
    assert.equal(fetchSpy?.mock.callCount(), 0);
  });

  it('uses the real transport only after consent (no fetch before grantConsent)', async () => {
    const calls: unknown[] = [];
    fetchSpy?.mock.restore();
    fetchSpy = mock.method(globalThis, 'fetch', (...args: unknown[]) => {
      calls.push(args);
      return Promise.resolve(new Response(null, { status: 204 }));
    });
    const wasm = new FakeWasm();
    const timers = new ManualTimers();
    const options = validateOptions({ endpoint: 'https://c.example/i', consent: 'manual' });
    const recorder = createRecorder({ wasm, options, compression: fakeCompression(), timers });
    await recorder.flush();
    await settle();
    assert.equal(calls.length, 0, 'no fetch before consent');
    recorder.grantConsent();
    await settle();
    assert.equal(calls.length, 1, 'the snapshot is sent right after consent');
    recorder.stop();
  });
});

describe('grantConsent', () => {
  it('passes fresh ids, sends the snapshot at once and starts one timer', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    assert.deepEqual(s.wasm.calls.slice(0, 3), ['grantConsent', 'pendingEvents', 'takeRawBatch']);
    assert.deepEqual(s.sent, ['snapshot id1 id2']);
    assert.equal(s.timers.live.size, 1);
    assert.equal([...s.timers.live.values()][0]?.ms, 1000);
  });

  it('sends a snapshot taken in slices as soon as it is complete, not at the next flush', async () => {
    const s = setup();
    s.wasm.sliceNextSnapshot = true;
    s.recorder.grantConsent();
    await settle();
    assert.deepEqual(s.sent, [], 'nothing to send while slicing');
    s.timers.fireEvery(SNAPSHOT_CHECK_INTERVAL);
    await settle();
    assert.deepEqual(s.sent, [], 'still slicing');
    s.wasm.finishSlicing();
    s.timers.fireEvery(SNAPSHOT_CHECK_INTERVAL);
    await settle();
    assert.deepEqual(s.sent, ['snapshot id1 id2']);
    const periods = [...s.timers.live.values()].map((t) => t.ms);
    assert.ok(!periods.includes(SNAPSHOT_CHECK_INTERVAL), 'the check stops once the snapshot is sent');
  });

  it('starts the compression worker at consent, before the walk, never before consent', async () => {
    const workers: FakeWorker[] = [];
    let callsAtSpawn: string[] | undefined;
    const spawnWorker = (): FakeWorker | undefined => {
      callsAtSpawn ??= [...s.wasm.calls];
      workers.push(new FakeWorker());
      return workers.at(-1);
    };
    const s = setup({ compression: { ...fakeCompression(), spawnWorker } });
    s.wasm.sliceNextSnapshot = true;
    await settle();
    assert.equal(workers.length, 0, 'no worker before consent');
    s.recorder.grantConsent();
    assert.equal(workers.length, 1, 'booting while the page is walked');
    // The module's grantConsent walks the first slice: the worker's start
    // must not wait for it.
    assert.deepEqual(callsAtSpawn, [], 'spawned before the module walks the page');
    s.wasm.finishSlicing();
    s.timers.fireEvery(SNAPSHOT_CHECK_INTERVAL);
    await settle();
    assert.equal(workers.length, 1, 'the snapshot goes to that worker');
    workers[0]!.ready();
    workers[0]!.answer();
    await settle();
    assert.equal(s.sent.length, 1);
  });

  it('stops checking for a sliced snapshot on withdrawal, sending nothing', async () => {
    const s = setup();
    s.wasm.sliceNextSnapshot = true;
    s.recorder.grantConsent();
    s.recorder.withdrawConsent();
    s.wasm.finishSlicing();
    s.timers.fireEvery(SNAPSHOT_CHECK_INTERVAL);
    await settle();
    assert.deepEqual(s.sent, []);
    assert.equal(s.timers.live.size, 0);
  });

  it('is a no-op while already granted', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.recorder.grantConsent();
    await settle();
    assert.equal(s.wasm.calls.filter((c) => c === 'grantConsent').length, 1);
    assert.equal(s.timers.created, 1);
  });

  it('flushes on every tick', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.wasm.record('click');
    s.timers.fire();
    await settle();
    s.timers.fire(); // nothing pending: nothing sent
    await settle();
    assert.deepEqual(s.sent, ['snapshot id1 id2', 'click']);
  });

  it('generates real ids by default: 22 base64url characters, different each time', async () => {
    const wasm = new FakeWasm();
    const { send, sent } = recordingSend();
    const options = validateOptions({ endpoint: '/i', consent: 'manual' });
    const recorder = createRecorder({ wasm, options, compression: fakeCompression(), send, timers: new ManualTimers() });
    recorder.grantConsent();
    await settle();
    const [, session, pageView] = (sent[0] ?? '').split(' ');
    assert.match(session ?? '', /^[A-Za-z0-9_-]{22}$/);
    assert.match(pageView ?? '', /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(session, pageView);
  });
});

describe('privacy.excludePages', () => {
  it('on an excluded page, starts nothing in the module (nor a worker) until the address leaves it', async () => {
    const workers: FakeWorker[] = [];
    const spawnWorker = (): FakeWorker | undefined => (workers.push(new FakeWorker()), workers.at(-1));
    const s = setup({ compression: { ...fakeCompression(), spawnWorker } });
    s.wasm.pageExcluded = true;
    s.recorder.grantConsent();
    await settle();
    assert.ok(!s.wasm.calls.includes('grantConsent'), 'the JS wrapper checks before granting');
    assert.equal(workers.length, 0, 'no compression worker on an excluded page');
    assert.deepEqual(s.sent, []);
    assert.equal(s.timers.live.size, 1, 'one timer watches the address');
    s.timers.fire();
    await settle();
    assert.ok(!s.wasm.calls.includes('grantConsent'));
    s.wasm.pageExcluded = false;
    s.timers.fire();
    await settle();
    assert.equal(workers.length, 1, 'the worker starts with the page view');
    workers[0]!.ready();
    workers[0]!.answer();
    await settle();
    assert.deepEqual(s.sent, ['w:snapshot id1 id2'], 'a page view starts once the page is not excluded (gzip in the worker)');
    assert.equal(s.timers.live.size, 1);
  });

  it('a navigation into an excluded page ends the page view; leaving it starts a new one', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    assert.deepEqual(s.sent, ['snapshot id1 id2']);
    // The binding saw the navigation: it dropped its buffer and reports it.
    s.wasm.record('before the navigation');
    s.wasm.pending = [];
    s.wasm.excludedNow = true;
    s.wasm.pageExcluded = true;
    s.timers.fire();
    await settle();
    s.timers.fire();
    await settle();
    assert.deepEqual(s.sent, ['snapshot id1 id2'], 'nothing sent while excluded');
    assert.equal(s.errors.length, 0, 'not a failure');
    s.wasm.pageExcluded = false;
    s.timers.fire();
    await settle();
    assert.deepEqual(s.sent, ['snapshot id1 id2', 'snapshot id1 id3'], 'same session, new page view');
    assert.equal(s.timers.live.size, 1);
  });
});

describe('withdrawConsent', () => {
  it('clears the timer; nothing more is sent', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    s.wasm.record('typed');
    s.recorder.withdrawConsent();
    assert.equal(s.timers.live.size, 0);
    s.wasm.record('after');
    s.timers.fire();
    await s.recorder.flush();
    await settle();
    assert.deepEqual(s.sent, ['snapshot id1 id2']);
    assert.equal(s.wasm.state, 'denied');
    assert.deepEqual(s.errors, []);
  });

  it('allows granting again, with a new session', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.recorder.withdrawConsent();
    s.recorder.grantConsent();
    await settle();
    // The first snapshot was still being compressed when consent went: dropped, never sent.
    assert.deepEqual(s.sent, ['snapshot id3 id4']);
    assert.equal(s.timers.live.size, 1);
  });
});

describe('flush', () => {
  for (const result of [true, false, 'reject', 'throw'] as const) {
    it(`resolves (never rejects) when send ${result === true ? 'succeeds' : result === false ? 'fails' : result + 's'}`, async () => {
      const s = setup({ send: recordingSend(result) });
      s.recorder.grantConsent();
      s.wasm.record('x');
      await assert.doesNotReject(s.recorder.flush());
      assert.deepEqual(s.errors, [], 'a failed send is not a recorder failure');
    });
  }

  it('resolves when the module throws, and reports it', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.wasm.throwOn.set('takeRawBatch', () => new WebAssembly.RuntimeError('unreachable'));
    await assert.doesNotReject(s.recorder.flush());
    assert.equal(s.errors.length, 1);
  });
});

describe('a throwing wasm call stops the recorder and reports once', () => {
  const cases: Array<{ method: Method; trigger: (s: Setup) => void | Promise<void> }> = [
    { method: 'grantConsent', trigger: (s) => s.recorder.grantConsent() },
    { method: 'takeRawBatch', trigger: (s) => s.recorder.grantConsent() },
    {
      method: 'withdrawConsent',
      trigger: (s) => {
        s.recorder.grantConsent();
        s.recorder.withdrawConsent();
      },
    },
  ];
  for (const { method, trigger } of cases) {
    it(`${method} throwing a RuntimeError (panic)`, async () => {
      const s = setup();
      s.wasm.throwOn.set(method, () => new WebAssembly.RuntimeError('unreachable'));
      await trigger(s);
      await settle();
      assert.equal(s.errors.length, 1);
      const err = s.errors[0];
      assert.ok(err instanceof ReticentError);
      assert.equal(err.code, 'INTERNAL');
      assert.equal(s.timers.live.size, 0, 'timer cleared');
      assert.ok(s.wasm.freed, 'module recorder freed (buffer dropped)');

      // Everything afterwards is a silent no-op: no more calls, sends or reports.
      const callsBefore = s.wasm.calls.length;
      s.wasm.throwOn.clear();
      s.recorder.grantConsent();
      s.recorder.withdrawConsent();
      s.timers.fire();
      await s.recorder.flush();
      s.recorder.stop();
      await settle();
      assert.equal(s.wasm.calls.length, callsBefore);
      assert.equal(s.errors.length, 1, 'onError called exactly once');
    });
  }

  it('keeps the code of a coded error thrown by the module', async () => {
    const s = setup();
    s.wasm.throwOn.set('grantConsent', () => Object.assign(new Error('bad state'), { code: 'INVALID_STATE' }));
    s.recorder.grantConsent();
    assert.equal(s.errors[0]?.code, 'INVALID_STATE');
  });

  it('a throw inside a timer tick does not escape', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    s.wasm.throwOn.set('takeRawBatch', () => new WebAssembly.RuntimeError('unreachable'));
    assert.doesNotThrow(() => s.timers.fire());
    assert.doesNotThrow(() => s.timers.fire());
    await settle();
    assert.equal(s.errors.length, 1);
    assert.equal(s.timers.live.size, 0);
  });

  it('an onError that throws is contained, and still called only once', async () => {
    let called = 0;
    const s = setup({
      onError: () => {
        called++;
        throw new Error('handler bug');
      },
    });
    s.wasm.throwOn.set('grantConsent', () => new Error('boom'));
    assert.doesNotThrow(() => s.recorder.grantConsent());
    assert.doesNotThrow(() => s.recorder.grantConsent());
    await settle();
    assert.equal(called, 1);
  });

  it('a failing id generator (no crypto) is reported, nothing recorded', async () => {
    const s = setup({
      newId: () => {
        throw new Error('crypto unavailable');
      },
    });
    s.recorder.grantConsent();
    await settle();
    assert.equal(s.errors.length, 1);
    assert.deepEqual(s.wasm.calls, ['free']);
    assert.deepEqual(s.sent, []);
  });

  it('without onError, reports to console.error once', async () => {
    const spy = mock.method(console, 'error', () => undefined);
    try {
      const wasm = new FakeWasm();
      const options = validateOptions({ endpoint: '/i', consent: 'manual' });
      const recorder = createRecorder({ wasm, options, compression: fakeCompression(), send: recordingSend().send, timers: new ManualTimers() });
      wasm.throwOn.set('grantConsent', () => new Error('boom'));
      recorder.grantConsent();
      recorder.grantConsent();
      assert.equal(spy.mock.callCount(), 1);
    } finally {
      spy.mock.restore();
    }
  });
});

describe('stop', () => {
  it('withdraws, frees, clears the timer, and is idempotent', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    s.recorder.stop();
    s.recorder.stop();
    assert.deepEqual(s.wasm.calls.slice(-2), ['withdrawConsent', 'free']);
    assert.equal(s.wasm.calls.filter((c) => c === 'free').length, 1);
    assert.equal(s.timers.live.size, 0);
    s.wasm.record('late');
    await s.recorder.flush();
    s.recorder.grantConsent();
    await settle();
    assert.deepEqual(s.sent, ['snapshot id1 id2']);
    assert.deepEqual(s.errors, [], 'stop is not a failure');
  });

  it('swallows a throwing free', () => {
    const s = setup();
    s.wasm.throwOn.set('free', () => new Error('x'));
    assert.doesNotThrow(() => s.recorder.stop());
    assert.deepEqual(s.errors, []);
  });
});

describe('the module stopping by itself', () => {
  it('(a page callback failed: consentState reads denied) stops the recorder and reports once', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    s.wasm.state = 'denied';
    s.timers.fire();
    s.timers.fire();
    await settle();
    assert.equal(s.errors.length, 1);
    assert.equal(s.errors[0]?.code, 'INTERNAL');
    assert.equal(s.timers.live.size, 0);
    assert.ok(s.wasm.freed);
  });

  it('reports the error the module kept, with its code', async () => {
    const s = setup();
    s.recorder.grantConsent();
    await settle();
    s.wasm.state = 'denied';
    s.wasm.stoppedBy = Object.assign(new Error('mutation callback failed'), { name: 'ReticentError', code: 'INVALID_STATE' });
    s.timers.fire();
    await settle();
    assert.equal(s.errors.length, 1);
    assert.equal(s.errors[0]?.code, 'INVALID_STATE');
    assert.match(s.errors[0]?.message ?? '', /mutation callback failed/);
  });
});
