import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, parseRetryAfter, RETRY_AFTER_MAX_MS, RETRY_MAX_BACKOFF_MS } from '../src/retry.js';

describe('backoffDelay (full jitter)', () => {
  it('draws in [0, min(cap, 1 s × 2^(attempt−1)))', () => {
    const top = (attempt: number) => backoffDelay(attempt, () => 0.999999);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(top), [999, 1999, 3999, 7999, 15999, 31999, 59999]);
    assert.equal(top(50), RETRY_MAX_BACKOFF_MS - 1, 'capped, even for huge attempt numbers');
    assert.equal(backoffDelay(3, () => 0), 0);
    assert.equal(backoffDelay(3, () => 0.5), 2000);
  });

  it('survives a broken random source', () => {
    for (const r of [NaN, -1, 2, Infinity]) {
      const d = backoffDelay(2, () => r);
      assert.ok(d >= 0 && d <= 2000, `${r} → ${d}`);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  const cases: Array<[string | null, number | undefined]> = [
    [null, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['0', 0],
    ['3', 3000],
    [' 120 ', 120_000],
    ['86400', RETRY_AFTER_MAX_MS],
    ['Mon, 23 Nov 2026 12:00:10 GMT', 10_000],
    ['Mon, 23 Nov 2026 11:59:00 GMT', 0],
    ['Tue, 24 Nov 2026 12:00:00 GMT', RETRY_AFTER_MAX_MS],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(parseRetryAfter(value, now), expected));
  }
});
