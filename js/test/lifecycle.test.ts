// The reason an uncaught error gives the on-trigger mode: the error's type, never its message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorReason, listenErrors } from '../src/lifecycle.js';
import { FakePage } from './fakes.js';

describe('errorReason', () => {
  it('names the kind and the Error type only', () => {
    assert.equal(errorReason('uncaught error', new TypeError('card 4111 1111 1111 1111 declined')), 'uncaught error: TypeError');
    class PaymentError extends Error {
      override name = 'PaymentError';
    }
    assert.equal(errorReason('unhandled rejection', new PaymentError('jane@example.com')), 'unhandled rejection: PaymentError');
  });

  it('gives the kind alone for a non-Error, an empty name, or a name getter that throws', () => {
    assert.equal(errorReason('unhandled rejection', 'secret string'), 'unhandled rejection');
    assert.equal(errorReason('uncaught error', { name: 'NotAnError', message: 'x' }), 'uncaught error');
    const empty = new Error('m');
    empty.name = '';
    assert.equal(errorReason('uncaught error', empty), 'uncaught error');
    const hostile = new Error('m');
    Object.defineProperty(hostile, 'name', {
      get() {
        throw new Error('gotcha');
      },
    });
    assert.equal(errorReason('uncaught error', hostile), 'uncaught error');
  });

  it('caps a long name (the core scrubs and caps it again)', () => {
    const e = new Error('m');
    e.name = 'N'.repeat(500);
    assert.equal(errorReason('uncaught error', e), `uncaught error: ${'N'.repeat(100)}`);
  });
});

describe('listenErrors', () => {
  it('passes the reason of each kind of event, and removes its listeners', () => {
    const page = new FakePage();
    const reasons: string[] = [];
    const remove = listenErrors(page, (r) => reasons.push(r));
    page.dispatch('w', 'error');
    page.dispatch('w', 'unhandledrejection');
    assert.deepEqual(reasons, ['uncaught error', 'unhandled rejection']);
    remove();
    assert.equal(page.count, 0);
  });
});
