import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReticentError, toReticentError } from '../src/errors.js';

describe('ReticentError', () => {
  it('is a real Error with a name and a code', () => {
    const err = new ReticentError('INVALID_OPTION', 'flushInterval: bad');
    assert.ok(err instanceof Error);
    assert.ok(err instanceof ReticentError);
    assert.equal(err.name, 'ReticentError');
    assert.equal(err.code, 'INVALID_OPTION');
    assert.equal(err.message, 'flushInterval: bad');
    assert.equal(err.cause, undefined);
    assert.match(String(err), /^ReticentError: flushInterval: bad/);
  });
});

describe('toReticentError', () => {
  it('returns a ReticentError unchanged', () => {
    const err = new ReticentError('ENCODE', 'x');
    assert.equal(toReticentError(err), err);
  });

  it('keeps the code and message of an error thrown by the wasm module', () => {
    const thrown = Object.assign(new Error('privacy.allowQueryParams[0]: expected a parameter name'), {
      name: 'ReticentError',
      code: 'INVALID_OPTION',
    });
    const err = toReticentError(thrown);
    assert.ok(err instanceof ReticentError);
    assert.equal(err.code, 'INVALID_OPTION');
    assert.equal(err.message, thrown.message);
    assert.equal(err.cause, thrown);
  });

  it('keeps every code the core can produce', () => {
    for (const code of ['UNKNOWN_OPTION', 'INVALID_STATE', 'ENCODE', 'TOO_LARGE', 'BAD_PAYLOAD', 'BAD_COMPRESSION', 'UNSUPPORTED_VERSION', 'INTERNAL']) {
      assert.equal(toReticentError(Object.assign(new Error('m'), { code })).code, code);
    }
  });

  it('turns a WebAssembly.RuntimeError (a panic) into INTERNAL', () => {
    const trap = new WebAssembly.RuntimeError('unreachable');
    const err = toReticentError(trap);
    assert.equal(err.code, 'INTERNAL');
    assert.match(err.message, /crashed: unreachable/);
    assert.equal(err.cause, trap);
  });

  const others: Array<[string, unknown]> = [
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('null pointer passed to rust')],
    ['an unknown string code', Object.assign(new Error('m'), { code: 'ECONNRESET' })],
    ['a numeric code (DOMException-like)', { code: 22, message: 'quota' }],
    ['a string', 'boom'],
    ['undefined', undefined],
    ['null', null],
    ['a number', 7],
    ['an object with a throwing getter', Object.defineProperty({}, 'message', { get() { throw new Error('no'); } })],
  ];
  for (const [name, thrown] of others) {
    it(`turns ${name} into INTERNAL without throwing`, () => {
      const err = toReticentError(thrown);
      assert.ok(err instanceof ReticentError);
      assert.equal(err.code, 'INTERNAL');
      assert.equal(typeof err.message, 'string');
      assert.notEqual(err.message, '');
    });
  }

  it('mentions an unknown code in the message', () => {
    assert.match(toReticentError(Object.assign(new Error('m'), { code: 'ECONNRESET' })).message, /ECONNRESET/);
  });
});
