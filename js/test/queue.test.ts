import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchQueue } from '../src/queue.js';
import { KeepaliveBudget, type SendInfo, type SendOutcome } from '../src/transport.js';
import { ManualTimers, settle } from './fakes.js';

type Answer = SendOutcome | 'hang';

/** A scripted endpoint: answers in order (the last one repeats); logs every attempt. */
function scripted(answers: Answer[]) {
  const attempts: Array<{ id: number; info: SendInfo }> = [];
  const accepted: number[] = [];
  let i = 0;
  const send = (batch: Uint8Array, info: SendInfo): Promise<SendOutcome> => {
    const id = batch[0]!;
    attempts.push({ id, info });
    const a = answers[Math.min(i++, answers.length - 1)]!;
    if (a === 'hang') return new Promise(() => undefined);
    if (a.kind === 'accepted') accepted.push(id);
    return Promise.resolve(a);
  };
  return { send, attempts, accepted };
}

const ok: SendOutcome = { kind: 'accepted' };
const fail500: SendOutcome = { kind: 'retry', status: 500 };

function batch(id: number, size = 10): Uint8Array {
  const b = new Uint8Array(size);
  b[0] = id;
  return b;
}

function makeQueue(answers: Answer[], max = 1000, extra: Partial<ConstructorParameters<typeof BatchQueue>[0]> = {}) {
  const timers = new ManualTimers();
  const endpoint = scripted(answers);
  const queue = new BatchQueue({ send: endpoint.send, maxQueueBytes: max, timers, random: () => 0.5, ...extra });
  return { timers, queue, ...endpoint };
}

/** Pushes a batch the way the recorder does: reads `dropped`, writes it in the "header". */
function produce(q: BatchQueue, id: number, size = 10, carriedLog?: number[]): Promise<void> {
  const carried = q.dropped;
  carriedLog?.push(carried);
  return q.push(batch(id, size), id, carried);
}

describe('BatchQueue', () => {
  it('sends in order, one request at a time', async () => {
    const answers: Array<(o: SendOutcome) => void> = [];
    const attempts: number[] = [];
    const timers = new ManualTimers();
    const q = new BatchQueue({
      send: (b) => {
        attempts.push(b[0]!);
        return new Promise((r) => answers.push(r));
      },
      maxQueueBytes: 1000,
      timers,
    });
    void produce(q, 1);
    void produce(q, 2);
    void produce(q, 3);
    await settle();
    assert.deepEqual(attempts, [1]);
    answers[0]!(ok);
    await settle();
    assert.deepEqual(attempts, [1, 2]);
    answers[1]!(ok);
    await settle();
    answers[2]!(ok);
    await settle();
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(q.length, 0);
    assert.equal(q.bytes, 0);
  });

  it('retries a failed batch after a jittered exponential backoff, before any later batch', async () => {
    const { queue, timers, attempts, accepted } = makeQueue([fail500, fail500, fail500, ok]);
    void produce(queue, 1);
    void produce(queue, 2);
    await settle();
    // random() = 0.5: waits of 500, 1000, 2000 ms.
    assert.deepEqual(timers.pendingDelays(), [500]);
    timers.advance(499);
    await settle();
    assert.equal(attempts.length, 1);
    timers.advance(1);
    await settle();
    assert.equal(attempts.length, 2);
    assert.deepEqual(timers.pendingDelays(), [1000]);
    timers.advance(1000);
    await settle();
    assert.deepEqual(timers.pendingDelays(), [2000]);
    timers.advance(2000);
    await settle();
    await settle();
    assert.deepEqual(attempts.map((a) => a.id), [1, 1, 1, 1, 2]);
    assert.deepEqual(accepted, [1, 2]);
    assert.equal(queue.dropped, 0);
  });

  it('honours Retry-After when it is longer than the backoff', async () => {
    const { queue, timers, attempts } = makeQueue([{ kind: 'retry', status: 429, retryAfterMs: 7000 }, ok]);
    void produce(queue, 1);
    await settle();
    assert.deepEqual(timers.pendingDelays(), [7000]);
    timers.advance(6999);
    await settle();
    assert.equal(attempts.length, 1);
    timers.advance(1);
    await settle();
    assert.equal(attempts.length, 2);
  });

  it('never retries a rejected batch (413, other 4xx): drops it and counts it', async () => {
    const { queue, timers, attempts, accepted } = makeQueue([{ kind: 'rejected', status: 413 }, ok]);
    const carried: number[] = [];
    void produce(queue, 1, 10, carried);
    await settle();
    assert.equal(queue.dropped, 1);
    assert.equal(queue.droppedSinceStart, 1);
    assert.deepEqual(timers.pendingDelays(), [], 'no retry scheduled');
    void produce(queue, 2, 10, carried);
    await settle();
    assert.deepEqual(attempts.map((a) => a.id), [1, 2]);
    assert.deepEqual(accepted, [2]);
    assert.deepEqual(carried, [0, 1], 'the next batch header carries the drop');
    assert.equal(queue.dropped, 0, 'reset once written into a batch');
  });

  it('caps its bytes: the oldest queued batches go first, and are counted', async () => {
    const { queue, attempts } = makeQueue(['hang'], 35);
    const carried: number[] = [];
    for (let id = 1; id <= 6; id++) void produce(queue, id, 10, carried);
    await settle();
    // 1 is in flight (it cannot be recalled), 2..6 queued: 60 bytes over a cap of 35.
    assert.ok(queue.bytes <= 35, `held ${queue.bytes}`);
    assert.equal(queue.length, 3);
    assert.equal(queue.droppedSinceStart, 3, 'batches 2, 3, 4 dropped');
    // Drops move into the next headers as they are produced: 5 and 6 carried one each.
    assert.deepEqual(carried, [0, 0, 0, 0, 1, 1]);
    assert.equal(queue.dropped, 1);
    assert.deepEqual(attempts.map((a) => a.id), [1]);
  });

  it('a batch larger than the cap on its own is kept (the older ones go): at most the cap plus one batch', async () => {
    const { queue, attempts } = makeQueue(['hang', ok, ok], 35);
    void produce(queue, 1, 10);
    void produce(queue, 2, 10);
    void produce(queue, 3, 50);
    await settle();
    // 1 is in flight; 2 is dropped for the cap; 3, alone over the cap, stays.
    assert.equal(queue.length, 2);
    assert.equal(queue.droppedSinceStart, 1, 'batch 2 dropped, not the new one');
    assert.equal(queue.bytes, 60);
    void produce(queue, 4, 10);
    await settle();
    assert.equal(queue.droppedSinceStart, 2, 'the big one is no longer the newest: it goes next');
    assert.deepEqual(attempts.map((a) => a.id), [1]);
  });

  it('a dead endpoint never grows memory: retries forever under the cap, every loss counted', async () => {
    const { queue, timers } = makeQueue([fail500], 100);
    const carried: number[] = [];
    for (let id = 1; id <= 200; id++) {
      void produce(queue, id % 256, 10, carried);
      timers.advance(5000);
      await settle();
      assert.ok(queue.bytes <= 100, `held ${queue.bytes} after ${id}`);
    }
    assert.equal(queue.length + queue.droppedSinceStart, 200);
    assert.ok(queue.dropped > 0);
  });

  it('accepted + the dropped headers of accepted batches = produced, through outages', async () => {
    // Endpoint: down, 413 once, 429, down, hangs once, then healthy; small cap forces overflow drops.
    const script: Answer[] = [fail500, fail500, { kind: 'rejected', status: 413 }, { kind: 'retry', status: 429, retryAfterMs: 3000 }, fail500, 'hang', ok];
    const { queue, timers } = makeQueue(script, 40);
    // The hang: the queue itself has no timeout (the transport has); emulate it with a retry outcome.
    const headers = new Map<number, number>();
    const acceptedIds: number[] = [];
    let n = 0;
    const q2 = new BatchQueue({
      send: (b) => {
        const a = script[Math.min(n++, script.length - 1)]!;
        if (a === 'hang') return Promise.resolve({ kind: 'retry' });
        if (a.kind === 'accepted') acceptedIds.push(b[0]!);
        return Promise.resolve(a);
      },
      maxQueueBytes: 40,
      timers,
      random: () => 0.5,
    });
    void queue;
    let produced = 0;
    for (let id = 1; id <= 30; id++) {
      const carried = q2.dropped;
      headers.set(id, carried);
      void q2.push(batch(id), id, carried);
      produced++;
      timers.advance(700);
      await settle();
    }
    timers.advance(600_000);
    await settle();
    const last = 31;
    headers.set(last, q2.dropped);
    void q2.push(batch(last), last, q2.dropped);
    produced++;
    await settle();
    timers.advance(600_000);
    await settle();
    assert.equal(new Set(acceptedIds).size, acceptedIds.length, 'no batch accepted twice');
    assert.ok(acceptedIds.includes(last));
    const reportedDrops = acceptedIds.reduce((sum, id) => sum + headers.get(id)!, 0);
    assert.ok(reportedDrops > 0, 'the scenario did drop batches');
    assert.equal(acceptedIds.length + reportedDrops, produced);
  });

  it('a dropped batch hands on the drop count its own header carried', async () => {
    const { queue, timers } = makeQueue([{ kind: 'rejected', status: 413 }, { kind: 'rejected', status: 413 }, ok]);
    const carried: number[] = [];
    void produce(queue, 1, 10, carried);
    await settle();
    void produce(queue, 2, 10, carried); // carries 1, then is dropped itself
    await settle();
    void produce(queue, 3, 10, carried);
    await settle();
    timers.advance(0);
    assert.deepEqual(carried, [0, 1, 2], 'batch 3 reports both drops');
  });

  it('flush promises resolve when the queue starts waiting for a retry, or already waits', async () => {
    const { queue } = makeQueue([fail500]);
    let done = 0;
    void produce(queue, 1).then(() => done++);
    await settle();
    assert.equal(done, 1);
    void produce(queue, 2).then(() => done++);
    await settle();
    assert.equal(done, 2);
  });

  it('clear() drops everything uncounted, ignores the answer in flight, cancels the retry', async () => {
    const { queue, timers, attempts } = makeQueue([fail500]);
    void produce(queue, 1);
    void produce(queue, 2);
    await settle();
    assert.equal(timers.pendingDelays().length, 1);
    queue.clear();
    assert.equal(queue.length, 0);
    assert.equal(queue.dropped, 0);
    assert.deepEqual(timers.pendingDelays(), []);
    timers.advance(100_000);
    await settle();
    assert.equal(attempts.length, 1);
    queue.close();
    await produce(queue, 3);
    assert.equal(queue.length, 0, 'a closed queue takes nothing');
  });

  it('clear() aborts the attempts in flight through their signal, and only those', async () => {
    const { queue, attempts } = makeQueue(['hang']);
    void produce(queue, 1);
    await settle();
    const signal = attempts[0]!.info.signal;
    assert.ok(signal, 'each attempt gets a signal');
    assert.equal(signal.aborted, false);
    queue.clear();
    assert.equal(signal.aborted, true);
    const settled = makeQueue([ok]);
    void produce(settled.queue, 1);
    await settle();
    settled.queue.clear();
    assert.equal(settled.attempts[0]!.info.signal!.aborted, false, 'an attempt that ended is not aborted');
  });

  it('on exit: sends every queued batch now with exit:true, keepalive budget first, then the beacon', async () => {
    const budget = new KeepaliveBudget(100);
    const beaconed: number[] = [];
    const hangs: number[] = [];
    const timers = new ManualTimers();
    const q = new BatchQueue({
      send: (b, info) => {
        hangs.push(b[0]! * (info.exit ? 1 : -1));
        budget.tryReserve(b.byteLength); // what the fetch transport does
        return new Promise(() => undefined);
      },
      maxQueueBytes: 10_000,
      timers,
      budget,
      beacon: (b) => {
        beaconed.push(b[0]!);
        return true;
      },
    });
    void q.push(batch(1, 40), 1, 0); // normal send, in flight (40 of 100 used)
    void q.push(batch(2, 50), 2, 0, true);
    void q.push(batch(3, 50), 3, 0, true);
    void q.push(batch(4, 200), 4, 0, true); // too big for a beacon
    q.sendForExit();
    await settle();
    assert.deepEqual(hangs, [-1, 2], '1 normally, 2 by keepalive fetch with exit:true');
    assert.deepEqual(beaconed, [3], '3 did not fit the keepalive budget: beacon');
    assert.equal(q.length, 3, '1 and 2 in flight, 4 stays queued for the normal path');
  });
});
