// Compression off the main thread: the worker compressor and its fallbacks, the ordered
// pipeline, and the recorder with a fake worker (ordering, withdrawal, page exit, renewal).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Compressor, WORKER_TIMEOUT, type CompressionDeps } from '../src/compressor.js';
import { validateOptions, type ReticentOptions } from '../src/options.js';
import { CompressionPipeline } from '../src/pipeline.js';
import { BatchQueue } from '../src/queue.js';
import { createRecorder, type Recorder } from '../src/recorder.js';
import type { SendInfo } from '../src/transport.js';
import { batchText, fakeCompression, FakePage, FakeStorage, FakeWasm, FakeWorker, ManualTimers, settle } from './fakes.js';

const enc = (t: string): Uint8Array => new TextEncoder().encode(t);

function compressor(spawn: (() => FakeWorker | undefined) | 'none' = () => new FakeWorker()) {
  const main = fakeCompression();
  const timers = new ManualTimers();
  const workers: FakeWorker[] = [];
  const deps: CompressionDeps =
    spawn === 'none'
      ? { gzip: main.gzip }
      : {
          gzip: main.gzip,
          spawnWorker: () => {
            const w = spawn();
            if (w) workers.push(w);
            return w;
          },
        };
  return { c: new Compressor({ ...deps, timers }), main, timers, workers };
}

/** Collects what a promise resolved to, without awaiting it. */
function track<T>(p: Promise<T>) {
  const out: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  p.then(
    (value) => Object.assign(out, { value, settled: true }),
    (error: unknown) => Object.assign(out, { error, settled: true }),
  );
  return out;
}

describe('Compressor', () => {
  it('compresses in the worker: it gets a copy and the module first; the main thread does no gzip', async () => {
    const { c, main, workers } = compressor();
    assert.equal(workers.length, 0, 'no worker before the first batch');
    const raw = enc('batch-1');
    const got = track(c.compress(raw));
    assert.equal(workers.length, 1);
    const w = workers[0]!;
    assert.equal(w.jobs.length, 1);
    assert.notEqual(w.jobs[0]!.raw, raw, 'a copy was posted; the original stays for the fallback');
    w.ready();
    w.answer();
    await settle();
    assert.equal(batchText(got.value!), 'w:batch-1');
    assert.deepEqual(main.log, []);
    assert.equal(c.mode, 'worker');
  });

  it('warm() starts the worker before the first batch, which then uses it', async () => {
    const { c, main, workers } = compressor();
    c.warm();
    assert.equal(workers.length, 1, 'started ahead of the batch');
    c.warm();
    assert.equal(workers.length, 1, 'once');
    const got = track(c.compress(enc('batch-1')));
    assert.equal(workers.length, 1, 'the warm worker compresses');
    workers[0]!.ready();
    workers[0]!.answer();
    await settle();
    assert.equal(batchText(got.value!), 'w:batch-1');
    assert.deepEqual(main.log, []);
  });

  it('warm() without a worker does nothing: batches are compressed on the main thread', async () => {
    const { c, main, workers } = compressor(() => undefined);
    c.warm();
    assert.equal(workers.length, 0);
    const got = track(c.compress(enc('batch-1')));
    await settle();
    assert.equal(batchText(got.value!), 'batch-1');
    assert.deepEqual(main.log, ['main:batch-1']);
  });

  for (const [what, spawn] of [
    ['no Worker in this browser', () => undefined],
    [
      'new Worker throws (CSP worker-src)',
      () => {
        throw new DOMException('blocked by CSP', 'SecurityError');
      },
    ],
  ] as const) {
    it(`${what}: compresses on the main thread, and does not try again`, async () => {
      let tries = 0;
      const { c, main } = compressor(() => {
        tries++;
        return spawn();
      });
      const a = track(c.compress(enc('a')));
      const b = track(c.compress(enc('b')));
      await settle();
      assert.equal(batchText(a.value!), 'a');
      assert.equal(batchText(b.value!), 'b');
      assert.deepEqual(main.log, ['main:a', 'main:b']);
      assert.equal(tries, 1);
      assert.equal(c.mode, 'main-thread');
    });
  }

  it('without a worker factory: main thread', async () => {
    const { c, main } = compressor('none');
    const a = track(c.compress(enc('a')));
    await settle();
    assert.equal(batchText(a.value!), 'a');
    assert.deepEqual(main.log, ['main:a']);
  });

  for (const how of ['crash', 'fail', 'fatal', 'messageerror'] as const) {
    it(`a worker that ${how}s: its jobs are compressed on the main thread, in order; it is ended`, async () => {
      const { c, main, workers } = compressor();
      const a = track(c.compress(enc('a')));
      const b = track(c.compress(enc('b')));
      const w = workers[0]!;
      if (how === 'crash') w.crash();
      else if (how === 'fail') w.fail();
      else if (how === 'fatal') w.onmessage?.({ data: { type: 'fatal', message: 'no wasm' } });
      else w.onmessageerror?.({});
      await settle();
      assert.deepEqual([batchText(a.value!), batchText(b.value!)], ['a', 'b']);
      assert.deepEqual(main.log, ['main:a', 'main:b']);
      assert.ok(w.terminated);
      const d = track(c.compress(enc('d')));
      await settle();
      assert.equal(batchText(d.value!), 'd', 'stays on the main thread');
      assert.equal(workers.length, 1, 'no new worker');
    });
  }

  it('an answer that is not gzip is never passed on: that batch is compressed here', async () => {
    const { c, main, workers } = compressor();
    const a = track(c.compress(enc('a')));
    workers[0]!.onmessage?.({ data: { type: 'done', id: 1, bytes: enc('a, not compressed at all') } });
    await settle();
    assert.equal(batchText(a.value!), 'a');
    assert.deepEqual(main.log, ['main:a']);
  });

  it('a worker that stops answering is given up after WORKER_TIMEOUT', async () => {
    const { c, main, workers, timers } = compressor();
    const a = track(c.compress(enc('a')));
    timers.advance(WORKER_TIMEOUT - 1);
    await settle();
    assert.equal(a.settled, false);
    timers.advance(1);
    await settle();
    assert.equal(batchText(a.value!), 'a');
    assert.deepEqual(main.log, ['main:a']);
    assert.ok(workers[0]!.terminated);
  });

  it('reset() ends the worker; its late answers are never seen; the next batch starts a new worker', async () => {
    const { c, workers, main } = compressor();
    const a = track(c.compress(enc('a')));
    const w = workers[0]!;
    c.reset();
    assert.ok(w.terminated);
    w.answer(); // it answers anyway: nobody listens
    await settle();
    assert.equal(a.settled, false, 'dropped, not resolved');
    const b = track(c.compress(enc('b')));
    assert.equal(workers.length, 2);
    workers[1]!.answer();
    await settle();
    assert.equal(batchText(b.value!), 'w:b');
    assert.deepEqual(main.log, []);
  });

  it('rejects when the main-thread fallback fails too', async () => {
    const timers = new ManualTimers();
    const c = new Compressor({
      gzip: () => {
        throw new WebAssembly.RuntimeError('unreachable');
      },
      timers,
    });
    const a = track(c.compress(enc('a')));
    await settle();
    assert.ok(a.error instanceof WebAssembly.RuntimeError);
  });
});

describe('CompressionPipeline', () => {
  /** A compressor whose results the test releases one by one, in any order. */
  function manual() {
    const pending: Array<{ raw: string; resolve: (b: Uint8Array) => void; reject: (e: unknown) => void }> = [];
    let resets = 0;
    const c = {
      compress: (raw: Uint8Array) =>
        new Promise<Uint8Array>((resolve, reject) => pending.push({ raw: new TextDecoder().decode(raw), resolve, reject })),
      compressNow: (raw: Uint8Array) => enc(`now:${new TextDecoder().decode(raw)}`),
      reset: () => void resets++,
    } as unknown as Compressor;
    return { c, pending, resets: () => resets };
  }

  it('delivers in submission order whatever order compression ends in', async () => {
    const m = manual();
    const failures: unknown[] = [];
    const p = new CompressionPipeline(m.c, (e) => failures.push(e));
    const delivered: string[] = [];
    const deliver = (b: Uint8Array, exit: boolean) => void delivered.push(`${new TextDecoder().decode(b)}${exit ? '!' : ''}`);
    const done = [p.submit(enc('1'), deliver), p.submit(enc('2'), deliver), p.submit(enc('3'), deliver)].map(track);
    m.pending[2]!.resolve(enc('c3'));
    m.pending[1]!.resolve(enc('c2'));
    await settle();
    assert.deepEqual(delivered, [], 'batch 1 is not compressed yet: nothing may overtake it');
    assert.equal(done[2]!.settled, false);
    m.pending[0]!.resolve(enc('c1'));
    await settle();
    assert.deepEqual(delivered, ['c1', 'c2', 'c3']);
    assert.ok(done.every((d) => d.settled));
    assert.deepEqual(failures, []);
  });

  it('drainNow compresses what is left on this thread and delivers it all in order, with exit', async () => {
    const m = manual();
    const p = new CompressionPipeline(m.c, () => undefined);
    const delivered: string[] = [];
    const deliver = (b: Uint8Array, exit: boolean) => void delivered.push(`${new TextDecoder().decode(b)}${exit ? '!' : ''}`);
    void p.submit(enc('1'), deliver);
    void p.submit(enc('2'), deliver);
    void p.submit(enc('3'), deliver, true);
    assert.equal(m.pending.length, 2, 'an exit batch is not sent to the worker');
    m.pending[1]!.resolve(enc('c2'));
    await settle();
    p.drainNow();
    assert.deepEqual(delivered, ['now:1!', 'c2!', 'now:3!']);
    m.pending[0]!.resolve(enc('c1'));
    await settle();
    assert.equal(delivered.length, 3, 'the late worker answer is ignored (no duplicate)');
  });

  it('clear() drops every batch (also those being compressed), resets the compressor, releases waiters', async () => {
    const m = manual();
    const p = new CompressionPipeline(m.c, () => undefined);
    const delivered: string[] = [];
    const a = track(p.submit(enc('1'), (b) => void delivered.push(new TextDecoder().decode(b))));
    p.clear();
    assert.equal(m.resets(), 1);
    m.pending[0]!.resolve(enc('c1'));
    await settle();
    assert.deepEqual(delivered, []);
    assert.ok(a.settled, 'flush() callers are not left hanging');
  });

  it('a batch that cannot be compressed at all is a failure (the recorder stops)', async () => {
    const m = manual();
    const failures: unknown[] = [];
    const p = new CompressionPipeline(m.c, (e) => failures.push(e));
    void p.submit(enc('1'), () => undefined);
    m.pending[0]!.reject(new Error('gzip failed'));
    await settle();
    assert.equal(failures.length, 1);
  });
});

describe('BatchQueue.claimDropped', () => {
  it('a drop is written into one batch only, even when the next is taken before the first is pushed', () => {
    const timers = new ManualTimers();
    const q = new BatchQueue({ send: () => Promise.resolve(true), maxQueueBytes: 25, timers });
    void q.push(new Uint8Array(10), 0, 0);
    void q.push(new Uint8Array(10), 1, 0);
    void q.push(new Uint8Array(10), 2, 0); // over the cap: batch 1 dropped (0 is in flight, 2 is the newest)
    assert.equal(q.dropped, 1);
    const a = q.claimDropped();
    const b = q.claimDropped();
    assert.deepEqual([a, b], [1, 0]);
    void q.push(new Uint8Array(1), 3, a);
    void q.push(new Uint8Array(1), 4, b);
    assert.equal(q.dropped, 0);
    assert.equal(q.claimDropped(), 0);
    const c = q.claimDropped();
    q.releaseClaim(c);
    assert.equal(q.claimDropped(), 0);
  });
});

// ---------------------------------------------------------------------------
// The recorder with a fake worker.

interface Setup {
  wasm: FakeWasm;
  timers: ManualTimers;
  page: FakePage;
  sent: Array<{ text: string; info: SendInfo }>;
  workers: FakeWorker[];
  main: string[];
  clock: { t: number };
  recorder: Recorder;
}

function setup(extra: Partial<ReticentOptions> = {}, spawn: () => FakeWorker | undefined = () => new FakeWorker()): Setup {
  const wasm = new FakeWasm();
  const timers = new ManualTimers();
  const page = new FakePage();
  const sent: Setup['sent'] = [];
  const workers: FakeWorker[] = [];
  const main = fakeCompression();
  const clock = { t: 1_800_000_000_000 };
  const storage = new FakeStorage();
  let n = 0;
  const recorder = createRecorder({
    wasm,
    options: validateOptions({ endpoint: '/ingest', consent: 'manual', flushInterval: 5000, ...extra }),
    compression: {
      gzip: main.gzip,
      spawnWorker: () => {
        const w = spawn();
        if (w) workers.push(w);
        return w;
      },
    },
    timers,
    page,
    storage: () => storage,
    now: () => clock.t,
    random: () => 0.5,
    newId: () => `id${++n}`,
    send: (batch, info) => {
      sent.push({ text: batchText(batch), info });
      return Promise.resolve(true);
    },
  });
  return { wasm, timers, page, sent, workers, main: main.log, clock, recorder };
}

let fetchSpy: ReturnType<typeof mock.method> | undefined;
beforeEach(() => {
  fetchSpy = mock.method(globalThis, 'fetch', () => Promise.reject(new Error('network used in a unit test')));
});
afterEach(() => fetchSpy?.mock.restore());

describe('recorder with a compression worker', () => {
  it('starts no worker before consent; compresses every batch in it; sends them in order', async () => {
    const s = setup();
    await s.recorder.flush();
    assert.equal(s.workers.length, 0, 'nothing exists before consent');
    s.recorder.grantConsent();
    const w = s.workers[0]!;
    assert.equal(w.jobs.length, 1, 'the snapshot went to the worker');
    s.wasm.record('e1');
    void s.recorder.flush();
    s.wasm.record('e2');
    void s.recorder.flush();
    await settle();
    assert.equal(s.sent.length, 0, 'nothing sent before the worker answered');
    w.answerAll();
    await settle();
    assert.deepEqual(
      s.sent.map((x) => [x.text, x.info.sequence]),
      [
        ['w:snapshot id1 id2', 0],
        ['w:e1', 1],
        ['w:e2', 2],
      ],
    );
    assert.deepEqual(s.main, [], 'no gzip on the main thread');
    s.recorder.stop();
    assert.ok(w.terminated);
  });

  it('flush() resolves once its batch was compressed and handed to the queue', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.workers[0]!.answer();
    s.wasm.record('e1');
    const done = track(s.recorder.flush());
    await settle();
    assert.equal(done.settled, false);
    s.workers[0]!.answer();
    await settle();
    assert.ok(done.settled);
    assert.equal(s.sent.at(-1)?.text, 'w:e1');
  });

  it('withdrawal during compression: the worker is ended and nothing of it is ever sent', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.wasm.record('secret-ish');
    const flushed = track(s.recorder.flush());
    const w = s.workers[0]!;
    assert.equal(w.jobs.length, 2);
    s.recorder.withdrawConsent();
    assert.ok(w.terminated, 'worker terminated at once');
    w.answerAll(); // it answers anyway: nobody listens
    s.timers.advance(WORKER_TIMEOUT * 2);
    await settle();
    assert.equal(s.sent.length, 0);
    assert.deepEqual(s.main, [], 'not compressed on the main thread either');
    assert.ok(flushed.settled, 'flush() is released');
    // A new grant: a new worker, a new session; only its batches go out.
    s.recorder.grantConsent();
    assert.equal(s.workers.length, 2);
    s.workers[1]!.answerAll();
    await settle();
    assert.deepEqual(
      s.sent.map((x) => [x.text, x.info.sequence]),
      [['w:snapshot id3 id4', 0]],
    );
  });

  it('stop() during compression: nothing is sent', async () => {
    const s = setup();
    s.recorder.grantConsent();
    const w = s.workers[0]!;
    s.recorder.stop();
    assert.ok(w.terminated);
    s.timers.advance(WORKER_TIMEOUT * 2);
    await settle();
    assert.equal(s.sent.length, 0);
    assert.deepEqual(s.main, []);
  });

  it('the worker dies with batches in it: they go out compressed on the main thread, in order', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.wasm.record('e1');
    void s.recorder.flush();
    s.workers[0]!.crash();
    await settle();
    s.wasm.record('e2');
    await s.recorder.flush();
    assert.deepEqual(
      s.sent.map((x) => [x.text, x.info.sequence]),
      [
        ['snapshot id1 id2', 0],
        ['e1', 1],
        ['e2', 2],
      ],
    );
    assert.deepEqual(s.main, ['main:snapshot id1 id2', 'main:e1', 'main:e2']);
    assert.equal(s.workers.length, 1, 'not restarted');
  });

  it('a CSP that forbids the worker: every batch is compressed on the main thread, none raw', async () => {
    const s = setup({}, () => {
      throw new DOMException("Refused to create a worker from 'blob:…'", 'SecurityError');
    });
    s.recorder.grantConsent();
    s.wasm.record('e1');
    await s.recorder.flush();
    assert.deepEqual(
      s.sent.map((x) => x.text),
      ['snapshot id1 id2', 'e1'],
    );
    assert.ok(s.sent.every((x) => !x.text.startsWith('RAW:')));
    assert.equal(s.main.length, 2);
  });

  it('page exit with batches in the worker: all compressed here, at once, in order, with exit: true', async () => {
    const s = setup();
    s.recorder.grantConsent();
    s.wasm.record('e1');
    void s.recorder.flush();
    s.wasm.record('e2');
    s.page.dispatch('w', 'pagehide');
    // Synchronous: no await between the event and the sends.
    assert.deepEqual(
      s.sent.map((x) => [x.text, x.info.sequence, x.info.exit]),
      [
        ['snapshot id1 id2', 0, true],
        ['e1', 1, true],
        ['e2', 2, true],
      ],
    );
    s.workers[0]!.answerAll();
    await settle();
    assert.equal(s.sent.length, 3, 'the worker’s late answers are not sent again');
  });

  it('session renewal while a batch is in the worker: the old session’s batch first, then the new one, never mixed', async () => {
    const s = setup({ maxSessionDuration: 60_000 });
    s.recorder.grantConsent();
    s.workers[0]!.answer();
    await settle();
    s.wasm.record('old');
    s.clock.t += 60_000;
    s.timers.fireEvery(5000); // renews: the old session's last batch, then a new page view
    await settle();
    assert.equal(s.sent.length, 1);
    s.workers[0]!.answerAll();
    await settle();
    assert.deepEqual(
      s.sent.map((x) => [x.text, x.info.sequence]),
      [
        ['w:snapshot id1 id2', 0],
        ['w:old', 1],
        ['w:snapshot id3 id4', 0],
      ],
    );
  });

  it('on-trigger: a segment still in the worker at the trigger follows the held ones, before the new batch', async () => {
    const s = setup({ mode: 'on-trigger', triggerWindow: 10_000 });
    s.recorder.grantConsent();
    s.wasm.record('e1');
    s.timers.fireEvery(5000); // segment 0 (snapshot e1) to the worker
    s.workers[0]!.answer();
    await settle();
    s.wasm.record('e2');
    s.timers.fireEvery(5000); // segment 1 (checkpoint1 e2) to the worker, not answered yet
    s.wasm.record('e3');
    s.recorder.trigger('late');
    await settle();
    assert.deepEqual(
      s.sent.map((x) => x.text),
      ['w:snapshot id1 id2e1'],
    );
    s.workers[0]!.answerAll();
    await settle();
    assert.deepEqual(
      s.sent.map((x) => [x.text, x.info.sequence]),
      [
        ['w:snapshot id1 id2e1', 0],
        ['w:checkpoint1e2', 1],
        ['w:checkpoint2e3trigger(late)', 2],
      ],
    );
  });
});
