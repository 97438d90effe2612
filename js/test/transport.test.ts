import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCH_CONTENT_TYPE, KEEPALIVE_MAX_BYTES, createTransport } from '../src/transport.js';

type Call = { url: string; init: RequestInit };

function fakeFetch(answer: () => Promise<Response>) {
  const calls: Call[] = [];
  const fetch = ((url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('transport', () => {
  it('POSTs the bytes once with the batch content type and the user headers', async () => {
    const { fetch, calls } = fakeFetch(() => Promise.resolve(new Response(null, { status: 204 })));
    const send = createTransport({ endpoint: '/ingest', headers: { 'X-Api-Key': 'k' }, fetch });
    const body = new Uint8Array([0x1f, 0x8b, 8, 0]);
    assert.equal(await send(body), true);
    assert.equal(calls.length, 1);
    const { url, init } = calls[0]!;
    assert.equal(url, '/ingest');
    assert.equal(init.method, 'POST');
    assert.equal(init.body, body);
    assert.equal(init.credentials, 'omit');
    assert.equal(init.keepalive, true);
    assert.equal(init.referrerPolicy, 'strict-origin');
    const headers = init.headers as Record<string, string>;
    assert.equal(headers['Content-Type'], BATCH_CONTENT_TYPE);
    assert.equal(headers['X-Api-Key'], 'k');
    assert.equal(
      Object.keys(headers).some((h) => h.toLowerCase() === 'content-encoding'),
      false,
      'the body is a gzip file, not a gzip-encoded body',
    );
  });

  it('uses keepalive only below the limit', async () => {
    const { fetch, calls } = fakeFetch(() => Promise.resolve(new Response(null, { status: 200 })));
    const send = createTransport({ endpoint: '/i', headers: {}, fetch });
    await send(new Uint8Array(KEEPALIVE_MAX_BYTES - 1));
    await send(new Uint8Array(KEEPALIVE_MAX_BYTES));
    assert.deepEqual(
      calls.map((c) => c.init.keepalive),
      [true, false],
    );
  });

  const failures: Array<[string, () => Promise<Response>]> = [
    ['a 500', () => Promise.resolve(new Response('no', { status: 500 }))],
    ['a 413', () => Promise.resolve(new Response(null, { status: 413 }))],
    ['a network error', () => Promise.reject(new TypeError('Failed to fetch'))],
    [
      'a synchronous throw',
      () => {
        throw new TypeError('bad init');
      },
    ],
  ];
  for (const [name, answer] of failures) {
    it(`resolves false on ${name}, without retrying`, async () => {
      const { fetch, calls } = fakeFetch(answer);
      const send = createTransport({ endpoint: '/i', headers: {}, fetch });
      assert.equal(await send(new Uint8Array(3)), false);
      assert.equal(calls.length, 1);
    });
  }
});
