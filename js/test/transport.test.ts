import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBeacon } from '../src/beacon.js';
import {
  BATCH_CONTENT_TYPE,
  KEEPALIVE_MAX_BYTES,
  KeepaliveBudget,
  classify,
  createTransport,
  hookTransport,
  normaliseOutcome,
} from '../src/transport.js';
import { ManualTimers, settle } from './fakes.js';

type Call = { url: string; init: RequestInit };
const info = { sequence: 0, exit: false };

function fakeFetch(answer: (init: RequestInit) => Promise<Response>) {
  const calls: Call[] = [];
  const fetch = ((url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer(init);
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('transport: one attempt', () => {
  it('POSTs the bytes once with the batch content type, the user headers and no cookies', async () => {
    const { fetch, calls } = fakeFetch(() => Promise.resolve(new Response(null, { status: 204 })));
    const send = createTransport({ endpoint: '/ingest', headers: { 'X-Api-Key': 'k' }, fetch });
    const body = new Uint8Array([0x1f, 0x8b, 8, 0]);
    assert.deepEqual(await send(body, info), { kind: 'accepted' });
    assert.equal(calls.length, 1);
    const { url, init } = calls[0]!;
    assert.equal(url, '/ingest');
    assert.equal(init.method, 'POST');
    assert.equal(init.body, body);
    assert.equal(init.credentials, 'omit');
    assert.equal(init.keepalive, true);
    assert.equal(init.referrerPolicy, 'strict-origin');
    assert.ok(init.signal instanceof AbortSignal);
    const headers = init.headers as Record<string, string>;
    assert.equal(headers['Content-Type'], BATCH_CONTENT_TYPE);
    assert.equal(headers['X-Api-Key'], 'k');
    assert.equal(
      Object.keys(headers).some((h) => h.toLowerCase() === 'content-encoding'),
      false,
      'the body is a gzip file, not a gzip-encoded body',
    );
  });

  it('passes the credentials option', async () => {
    const { fetch, calls } = fakeFetch(() => Promise.resolve(new Response(null, { status: 200 })));
    await createTransport({ endpoint: '/i', headers: {}, credentials: 'include', fetch })(new Uint8Array(1), info);
    assert.equal(calls[0]?.init.credentials, 'include');
  });

  it('uses keepalive only while the in-flight keepalive bytes fit the budget', async () => {
    const answers: Array<(r: Response) => void> = [];
    const { fetch, calls } = fakeFetch(() => new Promise((resolve) => answers.push(resolve)));
    const budget = new KeepaliveBudget();
    const send = createTransport({ endpoint: '/i', headers: {}, fetch, budget });
    const a = send(new Uint8Array(40 * 1024), info); // fits
    const b = send(new Uint8Array(30 * 1024), info); // 70 KiB would be over: no keepalive
    const c = send(new Uint8Array(20 * 1024), info); // 60 KiB: fits exactly
    assert.deepEqual(
      calls.map((x) => x.init.keepalive),
      [true, false, true],
    );
    assert.equal(budget.used, KEEPALIVE_MAX_BYTES);
    for (const r of answers) r(new Response(null, { status: 204 }));
    await Promise.all([a, b, c]);
    assert.equal(budget.used, 0, 'released once the requests ended');
    await send(new Uint8Array(KEEPALIVE_MAX_BYTES + 1), info);
    assert.equal(calls.at(-1)?.init.keepalive, false, 'a body over the budget never uses keepalive');
  });

  it('aborts after requestTimeout and reports a retryable failure', async () => {
    const timers = new ManualTimers();
    let signal: AbortSignal | undefined;
    const { fetch } = fakeFetch((init) => {
      signal = init.signal ?? undefined;
      // Hangs until aborted, like a real fetch.
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    });
    const budget = new KeepaliveBudget();
    const send = createTransport({ endpoint: '/i', headers: {}, fetch, timers, requestTimeout: 15_000, budget });
    let outcome: unknown;
    void send(new Uint8Array(10), info).then((o) => (outcome = o));
    await settle();
    timers.advance(14_999);
    await settle();
    assert.equal(outcome, undefined);
    timers.advance(1);
    await settle();
    assert.deepEqual(outcome, { kind: 'retry' });
    assert.equal(signal?.aborted, true);
    assert.equal(budget.used, 0, 'released once the aborted request settled');
  });

  it("aborts the request when the caller's signal aborts (withdrawal), and sends nothing once aborted", async () => {
    const timers = new ManualTimers();
    let signal: AbortSignal | undefined;
    const { fetch, calls } = fakeFetch((init) => {
      signal = init.signal ?? undefined;
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    });
    const budget = new KeepaliveBudget();
    const send = createTransport({ endpoint: '/i', headers: {}, fetch, timers, budget });
    const withdrawal = new AbortController();
    let outcome: unknown;
    void send(new Uint8Array(10), { ...info, signal: withdrawal.signal }).then((o) => (outcome = o));
    await settle();
    assert.equal(signal?.aborted, false);
    withdrawal.abort();
    await settle();
    assert.equal(signal?.aborted, true);
    assert.deepEqual(outcome, { kind: 'retry' });
    assert.equal(budget.used, 0);
    await send(new Uint8Array(10), { ...info, signal: withdrawal.signal });
    assert.equal(calls.length, 1, 'no request with a signal already aborted');
  });

  it('keeps the keepalive bytes reserved while a timed-out request has not settled', async () => {
    const timers = new ManualTimers();
    const { fetch, calls } = fakeFetch(() => new Promise(() => undefined)); // ignores the abort
    const budget = new KeepaliveBudget();
    const send = createTransport({ endpoint: '/i', headers: {}, fetch, timers, requestTimeout: 1000, budget });
    const first = send(new Uint8Array(50 * 1024), info);
    timers.advance(1000);
    assert.deepEqual(await first, { kind: 'retry' });
    assert.equal(budget.used, 50 * 1024);
    void send(new Uint8Array(20 * 1024), info);
    assert.equal(calls[1]?.init.keepalive, false, 'the browser still counts the first body against its quota');
  });

  const answers: Array<[string, () => Promise<Response>, unknown]> = [
    ['204', () => Promise.resolve(new Response(null, { status: 204 })), { kind: 'accepted' }],
    ['500', () => Promise.resolve(new Response('no', { status: 500 })), { kind: 'retry', status: 500 }],
    ['503 with Retry-After: 7', () => Promise.resolve(new Response(null, { status: 503, headers: { 'Retry-After': '7' } })), { kind: 'retry', status: 503, retryAfterMs: 7000 }],
    ['429 with Retry-After: 2', () => Promise.resolve(new Response(null, { status: 429, headers: { 'Retry-After': '2' } })), { kind: 'retry', status: 429, retryAfterMs: 2000 }],
    ['408', () => Promise.resolve(new Response(null, { status: 408 })), { kind: 'retry', status: 408 }],
    ['413', () => Promise.resolve(new Response(null, { status: 413 })), { kind: 'rejected', status: 413 }],
    ['400', () => Promise.resolve(new Response(null, { status: 400 })), { kind: 'rejected', status: 400 }],
    ['403', () => Promise.resolve(new Response(null, { status: 403 })), { kind: 'rejected', status: 403 }],
    ['a network error', () => Promise.reject(new TypeError('Failed to fetch')), { kind: 'retry' }],
    [
      'a synchronous throw',
      () => {
        throw new TypeError('bad init');
      },
      { kind: 'retry' },
    ],
  ];
  for (const [name, answer, expected] of answers) {
    it(`sorts ${name} as ${JSON.stringify(expected)}, with one request`, async () => {
      const { fetch, calls } = fakeFetch(answer);
      const send = createTransport({ endpoint: '/i', headers: {}, fetch, timers: new ManualTimers() });
      assert.deepEqual(await send(new Uint8Array(3), info), expected);
      assert.equal(calls.length, 1);
    });
  }

  it('reads a Retry-After HTTP-date against the clock', () => {
    const now = Date.parse('Mon, 23 Nov 2026 12:00:00 GMT');
    const r = new Response(null, { status: 429, headers: { 'Retry-After': 'Mon, 23 Nov 2026 12:00:30 GMT' } });
    assert.deepEqual(classify(r, now), { kind: 'retry', status: 429, retryAfterMs: 30_000 });
  });

  it('normalises what injected senders resolve to', () => {
    assert.deepEqual(normaliseOutcome(true), { kind: 'accepted' });
    assert.deepEqual(normaliseOutcome(undefined), { kind: 'accepted' });
    assert.deepEqual(normaliseOutcome(false), { kind: 'retry' });
    assert.deepEqual(normaliseOutcome({ kind: 'rejected', status: 413 }), { kind: 'rejected', status: 413 });
    assert.deepEqual(normaliseOutcome('yes'), { kind: 'retry' });
  });
});

describe('transport: the `transport` hook', () => {
  it('passes the bytes and sequence; true/undefined accepted, false/reject/throw retried', async () => {
    const seen: Array<[Uint8Array, unknown]> = [];
    const results: Array<() => Promise<unknown>> = [
      () => Promise.resolve(true),
      () => Promise.resolve(),
      () => Promise.resolve(false),
      () => Promise.reject(new Error('down')),
      () => {
        throw new Error('sync');
      },
      // `return fetch(…)`: its Response says.
      () => Promise.resolve({ ok: true, status: 201 }),
      () => Promise.resolve({ ok: false, status: 500 }),
      // Anything else is no proof the batch was stored.
      () => Promise.resolve(null),
      () => Promise.resolve(0),
      () => Promise.resolve('stored'),
      () => Promise.resolve({ status: 200 }),
      () =>
        Promise.resolve({
          get ok(): boolean {
            throw new Error('hostile getter');
          },
        }),
    ];
    let i = 0;
    // Typed as the hook's result; sites in plain JS return anything.
    const send = hookTransport((b, inf) => {
      seen.push([b, inf]);
      return results[i++]!() as Promise<boolean>;
    }, 1000, new ManualTimers());
    const out = [];
    for (let n = 0; n < results.length; n++) out.push((await send(new Uint8Array([n]), { sequence: n, exit: false })).kind);
    assert.deepEqual(out, ['accepted', 'accepted', 'retry', 'retry', 'retry', 'accepted', 'retry', 'retry', 'retry', 'retry', 'retry', 'retry']);
    assert.deepEqual(seen[2]?.[1], { sequence: 2, exit: false });
  });

  it('counts a hook that never settles as failed after requestTimeout', async () => {
    const timers = new ManualTimers();
    const send = hookTransport(() => new Promise(() => undefined), 5000, timers);
    let outcome: unknown;
    void send(new Uint8Array(1), info).then((o) => (outcome = o));
    await settle();
    timers.advance(5000);
    await settle();
    assert.deepEqual(outcome, { kind: 'retry' });
  });
});

describe('beacon', () => {
  const sent: Array<[string, Blob]> = [];
  const nav = {
    sendBeacon: (url: string, data: Blob) => {
      sent.push([url, data]);
      return true;
    },
  } as unknown as Navigator;
  const loc = { href: 'https://site.example/page?q=1', origin: 'https://site.example' } as Location;

  it('is used only for a same-origin endpoint, without headers, with credentials allowed', () => {
    assert.ok(createBeacon('/ingest', {}, 'same-origin', { navigator: nav, location: loc }));
    assert.ok(createBeacon('https://site.example/i', {}, 'include', { navigator: nav, location: loc }));
    assert.equal(createBeacon('/ingest', {}, 'omit', { navigator: nav, location: loc }), undefined, 'a beacon always sends cookies');
    assert.equal(createBeacon('https://collector.example/i', {}, 'include', { navigator: nav, location: loc }), undefined, 'cross-origin');
    assert.equal(createBeacon('/ingest', { 'X-Key': 'k' }, 'include', { navigator: nav, location: loc }), undefined, 'headers');
    assert.equal(createBeacon('/ingest', {}, 'include', { location: loc }), undefined, 'no sendBeacon');
  });

  it('sends a Blob of the batch type to the resolved URL', async () => {
    const beacon = createBeacon('/ingest', {}, 'same-origin', { navigator: nav, location: loc })!;
    assert.equal(beacon(new Uint8Array([1, 2, 3])), true);
    const [url, blob] = sent.at(-1)!;
    assert.equal(url, 'https://site.example/ingest');
    assert.equal(blob.type, BATCH_CONTENT_TYPE);
    assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), new Uint8Array([1, 2, 3]));
  });

  it('reports false when sendBeacon throws', () => {
    const throwing = { sendBeacon: () => { throw new TypeError('refused'); } } as unknown as Navigator;
    const beacon = createBeacon('/ingest', {}, 'same-origin', { navigator: throwing, location: loc })!;
    assert.equal(beacon(new Uint8Array(1)), false);
  });
});
