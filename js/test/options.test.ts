import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReticentError } from '../src/errors.js';
import { DEFAULT_FLUSH_INTERVAL, NUMBER_RANGES, validateOptions } from '../src/options.js';

const minimal = { endpoint: 'https://collector.example/ingest', consent: 'manual' } as const;

describe('validateOptions: valid input', () => {
  it('accepts the minimal options and fills every default', () => {
    const o = validateOptions({ ...minimal });
    assert.equal(o.endpoint, minimal.endpoint);
    assert.deepEqual(o.consent, { cmp: 'manual' });
    assert.equal(o.flushInterval, DEFAULT_FLUSH_INTERVAL);
    assert.deepEqual(o.privacy, {
      allowQueryParams: [],
      unmaskText: [],
      unmaskInputs: [],
      mask: [],
      block: [],
      ignore: [],
      excludePages: [],
      customDetectors: [],
    });
    assert.deepEqual(o.headers, {});
    assert.equal(o.onError, undefined);
    assert.equal(o.maxBatchBytes, 60 * 1024);
    assert.equal(o.maxQueueBytes, 2 * 1024 * 1024);
    assert.equal(o.requestTimeout, 15_000);
    assert.equal(o.credentials, 'omit');
    assert.equal(o.transport, undefined);
    assert.equal(o.sampleRate, 1);
    assert.equal(o.idleTimeout, 30 * 60_000);
    assert.equal(o.maxSessionDuration, 4 * 3_600_000);
    assert.equal(o.mode, 'continuous');
    assert.equal(o.triggerWindow, 60_000);
  });

  const valid: Array<[string, Record<string, unknown>]> = [
    ['relative endpoint', { endpoint: '/reticent/ingest' }],
    ['dot-relative endpoint', { endpoint: '../ingest' }],
    ['http endpoint', { endpoint: 'http://localhost:8080/ingest' }],
    ['flushInterval lower bound', { flushInterval: 250 }],
    ['flushInterval upper bound', { flushInterval: 600000 }],
    ['privacy with params', { privacy: { allowQueryParams: ['utm_source', 'page'] } }],
    ['empty privacy', { privacy: {} }],
    [
      'every privacy rule',
      {
        privacy: {
          unmaskText: ['.product h1', '[data-public]'],
          unmaskInputs: ['#search'],
          mask: ['.customer'],
          block: ['iframe.chat'],
          ignore: ['.otp input'],
          excludePages: ['/checkout/*', '/account/:id', '/(x)*'],
        },
      },
    ],
    ['100 selectors', { privacy: { mask: Array.from({ length: 100 }, (_, i) => `.c${i}`) } }],
    ['headers', { headers: { 'X-Api-Key': 'k', authorization: 'Bearer t', 'X-Latin-1': 'clé' } }],
    ['onError', { onError: () => undefined }],
    ['explicit undefined optional', { flushInterval: undefined, privacy: undefined }],
    ['credentials same-origin', { credentials: 'same-origin' }],
    ['credentials include', { credentials: 'include' }],
    ['credentials omit', { credentials: 'omit' }],
    ['a transport hook', { transport: () => Promise.resolve(true) }],
    ['mode on-trigger', { mode: 'on-trigger' }],
    ['mode continuous', { mode: 'continuous' }],
    ['sampleRate 0', { sampleRate: 0 }],
    ['sampleRate 0.1', { sampleRate: 0.1 }],
    ...Object.entries(NUMBER_RANGES).flatMap(([name, [min, max]]): Array<[string, Record<string, unknown>]> => [
      [`${name} lower bound`, { [name]: min }],
      [`${name} upper bound`, { [name]: max }],
    ]),
  ];
  for (const [name, extra] of valid) {
    it(`accepts ${name}`, () => {
      assert.doesNotThrow(() => validateOptions({ ...minimal, ...extra }));
    });
  }

  it('copies and freezes what it keeps', () => {
    const params = ['a'];
    const headers = { 'X-A': '1' };
    const o = validateOptions({ ...minimal, privacy: { allowQueryParams: params }, headers });
    params.push('b');
    headers['X-A'] = '2';
    assert.deepEqual(o.privacy.allowQueryParams, ['a']);
    assert.equal(o.headers['X-A'], '1');
    assert.ok(Object.isFrozen(o.headers));
  });

  it('lets an entry point own extra keys', () => {
    assert.doesNotThrow(() => validateOptions({ ...minimal, wasmUrl: '/r.wasm' }, ['wasmUrl']));
    assertCode(() => validateOptions({ ...minimal, wasmUrl: '/r.wasm' }), 'UNKNOWN_OPTION', 'wasmUrl');
  });
});

describe('validateOptions: options checked together', () => {
  it('accepts an idle timeout just above the flush interval (or half the trigger window), a queue of one batch', () => {
    assert.equal(validateOptions({ ...minimal, flushInterval: 600_000, idleTimeout: 600_001 }).idleTimeout, 600_001);
    assert.equal(validateOptions({ ...minimal, mode: 'on-trigger', triggerWindow: 600_000, idleTimeout: 300_001 }).idleTimeout, 300_001);
    // Half the trigger window matters only with on-trigger.
    assert.equal(validateOptions({ ...minimal, triggerWindow: 600_000, idleTimeout: 60_000 }).idleTimeout, 60_000);
    assert.equal(validateOptions({ ...minimal, maxBatchBytes: 65536, maxQueueBytes: 65536 }).maxQueueBytes, 65536);
  });
});

describe('validateOptions: invalid input', () => {
  // [case, options (merged into minimal unless `replace`), expected code, option named in the message]
  const cases: Array<{ name: string; raw: unknown; code: string; option: string; replace?: boolean }> = [
    { name: 'not an object', raw: 'https://x', code: 'INVALID_OPTION', option: 'options', replace: true },
    { name: 'null', raw: null, code: 'INVALID_OPTION', option: 'options', replace: true },
    { name: 'an array', raw: [], code: 'INVALID_OPTION', option: 'options', replace: true },
    { name: 'missing endpoint', raw: { consent: 'manual' }, code: 'INVALID_OPTION', option: 'endpoint', replace: true },
    { name: 'endpoint a number', raw: { endpoint: 42 }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'empty endpoint', raw: { endpoint: '' }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'blank endpoint', raw: { endpoint: '   ' }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'javascript: endpoint', raw: { endpoint: 'javascript:alert(1)' }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'data: endpoint', raw: { endpoint: 'data:text/plain,x' }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'ftp endpoint', raw: { endpoint: 'ftp://x.example/' }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'unparseable endpoint', raw: { endpoint: 'http://[::1' }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'endpoint with credentials', raw: { endpoint: 'https://u:p@x.example/' }, code: 'INVALID_OPTION', option: 'endpoint' },
    { name: 'missing consent', raw: { endpoint: '/i' }, code: 'INVALID_OPTION', option: 'consent', replace: true },
    { name: "consent 'auto'", raw: { consent: 'auto' }, code: 'INVALID_OPTION', option: 'consent' },
    { name: 'consent true', raw: { consent: true }, code: 'INVALID_OPTION', option: 'consent' },
    { name: 'compressInWorker a string', raw: { compressInWorker: 'false' }, code: 'INVALID_OPTION', option: 'compressInWorker' },
    { name: 'idleTimeout not above flushInterval', raw: { flushInterval: 600_000, idleTimeout: 600_000 }, code: 'INVALID_OPTION', option: 'idleTimeout' },
    { name: 'idleTimeout not above half the triggerWindow', raw: { mode: 'on-trigger', triggerWindow: 600_000, idleTimeout: 300_000 }, code: 'INVALID_OPTION', option: 'idleTimeout' },
    { name: 'maxQueueBytes below maxBatchBytes', raw: { maxBatchBytes: 1024 * 1024, maxQueueBytes: 65536 }, code: 'INVALID_OPTION', option: 'maxQueueBytes' },
    { name: 'flushInterval negative', raw: { flushInterval: -1 }, code: 'INVALID_OPTION', option: 'flushInterval' },
    { name: 'flushInterval too small', raw: { flushInterval: 249 }, code: 'INVALID_OPTION', option: 'flushInterval' },
    { name: 'flushInterval too large', raw: { flushInterval: 600001 }, code: 'INVALID_OPTION', option: 'flushInterval' },
    { name: 'flushInterval NaN', raw: { flushInterval: NaN }, code: 'INVALID_OPTION', option: 'flushInterval' },
    { name: 'flushInterval Infinity', raw: { flushInterval: Infinity }, code: 'INVALID_OPTION', option: 'flushInterval' },
    { name: 'flushInterval string', raw: { flushInterval: '5000' }, code: 'INVALID_OPTION', option: 'flushInterval' },
    { name: 'privacy not an object', raw: { privacy: true }, code: 'INVALID_OPTION', option: 'privacy' },
    { name: 'privacy unknown key', raw: { privacy: { maskAll: false } }, code: 'UNKNOWN_OPTION', option: 'privacy.maskAll' },
    { name: 'allowQueryParams a string', raw: { privacy: { allowQueryParams: 'utm' } }, code: 'INVALID_OPTION', option: 'privacy.allowQueryParams' },
    { name: 'allowQueryParams with a number', raw: { privacy: { allowQueryParams: ['a', 1] } }, code: 'INVALID_OPTION', option: 'privacy.allowQueryParams[1]' },
    { name: 'unmaskText a string', raw: { privacy: { unmaskText: '.a' } }, code: 'INVALID_OPTION', option: 'privacy.unmaskText' },
    { name: 'unmaskText with a number', raw: { privacy: { unmaskText: ['.a', 1] } }, code: 'INVALID_OPTION', option: 'privacy.unmaskText[1]' },
    { name: 'unmaskText with an empty selector', raw: { privacy: { unmaskText: ['.a', ' '] } }, code: 'INVALID_OPTION', option: 'privacy.unmaskText[1]' },
    { name: 'unmaskInputs a string', raw: { privacy: { unmaskInputs: '.a' } }, code: 'INVALID_OPTION', option: 'privacy.unmaskInputs' },
    { name: 'unmaskInputs with a number', raw: { privacy: { unmaskInputs: ['.a', 1] } }, code: 'INVALID_OPTION', option: 'privacy.unmaskInputs[1]' },
    { name: 'unmaskInputs with an empty selector', raw: { privacy: { unmaskInputs: ['.a', ' '] } }, code: 'INVALID_OPTION', option: 'privacy.unmaskInputs[1]' },
    { name: 'mask a string', raw: { privacy: { mask: '.a' } }, code: 'INVALID_OPTION', option: 'privacy.mask' },
    { name: 'mask with a number', raw: { privacy: { mask: ['.a', 1] } }, code: 'INVALID_OPTION', option: 'privacy.mask[1]' },
    { name: 'mask with an empty selector', raw: { privacy: { mask: ['.a', ' '] } }, code: 'INVALID_OPTION', option: 'privacy.mask[1]' },
    { name: 'block a string', raw: { privacy: { block: '.a' } }, code: 'INVALID_OPTION', option: 'privacy.block' },
    { name: 'block with a number', raw: { privacy: { block: ['.a', 1] } }, code: 'INVALID_OPTION', option: 'privacy.block[1]' },
    { name: 'block with an empty selector', raw: { privacy: { block: ['.a', ' '] } }, code: 'INVALID_OPTION', option: 'privacy.block[1]' },
    { name: 'ignore a string', raw: { privacy: { ignore: '.a' } }, code: 'INVALID_OPTION', option: 'privacy.ignore' },
    { name: 'ignore with a number', raw: { privacy: { ignore: ['.a', 1] } }, code: 'INVALID_OPTION', option: 'privacy.ignore[1]' },
    { name: 'ignore with an empty selector', raw: { privacy: { ignore: ['.a', ' '] } }, code: 'INVALID_OPTION', option: 'privacy.ignore[1]' },
    { name: 'a selector with a newline', raw: { privacy: { mask: ['a\nb'] } }, code: 'INVALID_OPTION', option: 'privacy.mask[0]' },
    { name: 'a selector too long', raw: { privacy: { block: ['a'.repeat(1025)] } }, code: 'INVALID_OPTION', option: 'privacy.block[0]' },
    { name: '101 selectors', raw: { privacy: { ignore: Array.from({ length: 101 }, () => 'a') } }, code: 'INVALID_OPTION', option: 'privacy.ignore' },
    { name: 'excludePages a string', raw: { privacy: { excludePages: '/a' } }, code: 'INVALID_OPTION', option: 'privacy.excludePages' },
    { name: 'customDetectors a string', raw: { privacy: { customDetectors: 'C-####' } }, code: 'INVALID_OPTION', option: 'privacy.customDetectors' },
    { name: 'customDetectors too short', raw: { privacy: { customDetectors: ['C-####', '#'] } }, code: 'INVALID_OPTION', option: 'privacy.customDetectors[1]' },
    { name: 'customDetectors too many', raw: { privacy: { customDetectors: Array(21).fill('##') } }, code: 'INVALID_OPTION', option: 'privacy.customDetectors' },
    { name: 'excludePages without a slash', raw: { privacy: { excludePages: ['checkout'] } }, code: 'INVALID_OPTION', option: 'privacy.excludePages[0]' },
    { name: 'excludePages with a query', raw: { privacy: { excludePages: ['/a', '/b?x=1'] } }, code: 'INVALID_OPTION', option: 'privacy.excludePages[1]' },
    { name: 'excludePages with a fragment', raw: { privacy: { excludePages: ['/b#x'] } }, code: 'INVALID_OPTION', option: 'privacy.excludePages[0]' },
    { name: 'excludePages with a space', raw: { privacy: { excludePages: ['/a b'] } }, code: 'INVALID_OPTION', option: 'privacy.excludePages[0]' },
    { name: 'excludePages non-ASCII', raw: { privacy: { excludePages: ['/café'] } }, code: 'INVALID_OPTION', option: 'privacy.excludePages[0]' },
    { name: 'excludePages too long', raw: { privacy: { excludePages: ['/' + 'a'.repeat(256)] } }, code: 'INVALID_OPTION', option: 'privacy.excludePages[0]' },
    { name: 'privacy rule unknown key', raw: { privacy: { unmask: ['.a'] } }, code: 'UNKNOWN_OPTION', option: 'privacy.unmask' },
    { name: 'headers an array', raw: { headers: [] }, code: 'INVALID_OPTION', option: 'headers' },
    { name: 'header value a number', raw: { headers: { 'X-A': 1 } }, code: 'INVALID_OPTION', option: 'headers.X-A' },
    { name: 'header value with CRLF', raw: { headers: { 'X-A': 'a\r\nB: c' } }, code: 'INVALID_OPTION', option: 'headers.X-A' },
    { name: 'header value fetch cannot send', raw: { headers: { 'X-A': 'clé€' } }, code: 'INVALID_OPTION', option: 'headers.X-A' },
    { name: 'header name with a space', raw: { headers: { 'X A': 'a' } }, code: 'INVALID_OPTION', option: 'headers' },
    { name: 'Content-Type header', raw: { headers: { 'content-type': 'text/plain' } }, code: 'INVALID_OPTION', option: 'headers.content-type' },
    { name: 'Content-Encoding header', raw: { headers: { 'Content-Encoding': 'gzip' } }, code: 'INVALID_OPTION', option: 'headers.Content-Encoding' },
    { name: 'onError a string', raw: { onError: 'alert' }, code: 'INVALID_OPTION', option: 'onError' },
    { name: 'unknown key', raw: { endpiont: '/x' }, code: 'UNKNOWN_OPTION', option: 'endpiont' },
    { name: 'wasmUrl in the default entry', raw: { wasmUrl: '/r.wasm' }, code: 'UNKNOWN_OPTION', option: 'wasmUrl' },
    { name: 'credentials true', raw: { credentials: true }, code: 'INVALID_OPTION', option: 'credentials' },
    { name: "credentials 'cors'", raw: { credentials: 'cors' }, code: 'INVALID_OPTION', option: 'credentials' },
    { name: 'transport a string', raw: { transport: 'fetch' }, code: 'INVALID_OPTION', option: 'transport' },
    { name: 'transport an object', raw: { transport: {} }, code: 'INVALID_OPTION', option: 'transport' },
    { name: "mode 'always'", raw: { mode: 'always' }, code: 'INVALID_OPTION', option: 'mode' },
    { name: 'mode 1', raw: { mode: 1 }, code: 'INVALID_OPTION', option: 'mode' },
    { name: 'sampleRate "0.5"', raw: { sampleRate: '0.5' }, code: 'INVALID_OPTION', option: 'sampleRate' },
    { name: 'sampleRate 50 (a percentage)', raw: { sampleRate: 50 }, code: 'INVALID_OPTION', option: 'sampleRate' },
    ...Object.entries(NUMBER_RANGES).flatMap(([name, [min, max]]) =>
      (
        [
          ['below the range', min - (max - min) / 1e6 - 1e-9],
          ['above the range', max + 1],
          ['NaN', NaN],
          ['Infinity', Infinity],
          ['a string', String(min)],
          ['null', null],
        ] as Array<[string, unknown]>
      ).map(([what, v]) => ({ name: `${name} ${what}`, raw: { [name]: v }, code: 'INVALID_OPTION', option: name })),
    ),
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.code} naming ${c.option}`, () => {
      const raw = c.replace ? c.raw : { ...minimal, ...(c.raw as object) };
      assertCode(() => validateOptions(raw), c.code, c.option);
    });
  }

  it('states the accepted range and the value given', () => {
    assertCode(() => validateOptions({ ...minimal, flushInterval: -1 }), 'INVALID_OPTION', 'flushInterval');
    try {
      validateOptions({ ...minimal, flushInterval: -1 });
    } catch (err) {
      assert.equal(
        (err as Error).message,
        'flushInterval: expected a number of milliseconds between 250 and 600000, got -1',
      );
    }
  });

  it('never echoes a header value (it may be a secret)', () => {
    try {
      validateOptions({ ...minimal, headers: { 'X-Key': 'sk_live_secret\n' } });
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof ReticentError);
      assert.doesNotMatch(err.message, /sk_live_secret/);
    }
  });
});

function assertCode(fn: () => unknown, code: string, option: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ReticentError, `expected a ReticentError, got ${String(err)}`);
    assert.equal(err.name, 'ReticentError');
    assert.equal(err.code, code);
    assert.ok(
      err.message.startsWith(`${option}:`),
      `message should start with "${option}:", got ${JSON.stringify(err.message)}`,
    );
    return true;
  });
}

describe('validateOptions: selectors are parsed by the browser', () => {
  /** A `document` whose fragments throw like a browser on selectors containing `[[`. */
  function withDocument<T>(run: () => T): T {
    const g = globalThis as { document?: unknown };
    const before = g.document;
    const parsed: string[] = [];
    g.document = {
      createDocumentFragment: () => ({
        querySelector(sel: string) {
          parsed.push(sel);
          if (sel.includes('[[')) throw new SyntaxError(`'${sel}' is not a valid selector`);
          return null;
        },
      }),
    };
    try {
      return run();
    } finally {
      if (before === undefined) delete g.document;
      else g.document = before;
    }
  }

  it('rejects a selector the browser cannot parse, naming the option', () => {
    withDocument(() => {
      for (const name of ['unmaskText', 'unmaskInputs', 'mask', 'block', 'ignore']) {
        assert.throws(
          () => validateOptions({ ...minimal, privacy: { [name]: ['.ok', 'a[[b'] } }),
          (e: unknown) =>
            e instanceof ReticentError && e.code === 'INVALID_OPTION' && e.message.startsWith(`privacy.${name}[1]: expected a valid CSS selector`),
        );
      }
    });
  });

  it('accepts selectors that parse', () => {
    const o = withDocument(() => validateOptions({ ...minimal, privacy: { unmaskText: ['.a > b'], block: ['#c'] } }));
    assert.deepEqual(o.privacy.unmaskText, ['.a > b']);
    assert.deepEqual(o.privacy.block, ['#c']);
    assert.ok(Object.isFrozen(o.privacy.block));
  });
});
