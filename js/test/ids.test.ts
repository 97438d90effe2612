import assert from 'node:assert/strict';
import { it } from 'node:test';
import { randomId } from '../src/ids.js';
import { decodeBase64 } from '../src/wasm/base64.js';

it('randomId: 22 characters of [A-Za-z0-9_-], unique', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = randomId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
});

it('decodeBase64 round-trips bytes', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(decodeBase64(Buffer.from(bytes).toString('base64')), bytes);
});
