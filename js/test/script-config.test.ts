import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReticentError } from '../src/errors.js';
import { validateOptions } from '../src/options.js';
import { scriptOptions } from '../src/script-config.js';

const attrs = (a: Record<string, string>) => (name: string) => (name in a ? a[name]! : null);

describe('scriptOptions (script-tag auto-configuration)', () => {
  it('asks for nothing without known data-* attributes or ReticentConfig', () => {
    assert.equal(scriptOptions(attrs({}), undefined), undefined);
    assert.equal(scriptOptions(attrs({ 'data-cfasync': 'false', src: '/reticent.js' }), undefined), undefined);
  });

  it('reads every documented attribute', () => {
    const o = scriptOptions(
      attrs({
        'data-endpoint': '/ingest',
        'data-consent': 'tcf',
        'data-sample-rate': '0.25',
        'data-mode': 'on-trigger',
        'data-flush-interval': '2000',
        'data-allow-query-params': ' utm_source, page ,,',
        'data-trigger-window': '30000',
        'data-idle-timeout': '600000',
        'data-max-session-duration': '7200000',
        'data-max-batch-bytes': '32768',
        'data-max-queue-bytes': '1048576',
        'data-request-timeout': '10000',
        'data-credentials': 'same-origin',
        'data-respect-global-privacy-control': 'true',
        'data-respect-do-not-track': 'true',
        'data-compress-in-worker': 'false',
      }),
      undefined,
    );
    assert.deepEqual(o, {
      endpoint: '/ingest',
      consent: 'tcf',
      sampleRate: 0.25,
      mode: 'on-trigger',
      flushInterval: 2000,
      privacy: { allowQueryParams: ['utm_source', 'page'] },
      triggerWindow: 30000,
      idleTimeout: 600000,
      maxSessionDuration: 7200000,
      maxBatchBytes: 32768,
      maxQueueBytes: 1048576,
      requestTimeout: 10000,
      credentials: 'same-origin',
      respectGlobalPrivacyControl: true,
      respectDoNotTrack: true,
      compressInWorker: false,
    });
    assert.doesNotThrow(() => validateOptions(o));
  });

  it('reads data-consent as JSON when it is an object', () => {
    const o = scriptOptions(attrs({ 'data-endpoint': '/i', 'data-consent': ' {"cmp":"didomi","vendorId":"c:reticent"} ' }), undefined);
    assert.deepEqual(o?.consent, { cmp: 'didomi', vendorId: 'c:reticent' });
    assert.throws(
      () => scriptOptions(attrs({ 'data-consent': '{cmp: didomi}' }), undefined),
      (e: unknown) => e instanceof ReticentError && e.code === 'INVALID_OPTION' && e.message.startsWith('consent:'),
    );
  });

  it('merges ReticentConfig first, attributes over it', () => {
    const onError = () => undefined;
    const o = scriptOptions(attrs({ 'data-endpoint': '/a', 'data-allow-query-params': 'q' }), {
      endpoint: '/b',
      consent: 'manual',
      onError,
      privacy: { allowQueryParams: ['x'] },
    });
    assert.deepEqual(o, { endpoint: '/a', consent: 'manual', onError, privacy: { allowQueryParams: ['q'] } });
    assert.deepEqual(scriptOptions(attrs({}), { endpoint: '/b', consent: 'manual' }), { endpoint: '/b', consent: 'manual' });
  });

  it('data-allow-query-params does not hide an invalid ReticentConfig.privacy: it stays for init() to refuse', () => {
    for (const privacy of ['oops', ['x'], null, 3]) {
      const o = scriptOptions(attrs({ 'data-endpoint': '/a', 'data-allow-query-params': 'q' }), { consent: 'manual', privacy });
      assert.deepEqual(o?.privacy, privacy);
    }
  });

  it('rejects a ReticentConfig that is not an object', () => {
    for (const bad of [null, 'x', 3, []]) {
      assert.throws(() => scriptOptions(attrs({}), bad), (e: unknown) => e instanceof ReticentError && e.code === 'INVALID_OPTION');
    }
  });

  it('passes unparseable values on, so init() names the option', () => {
    const cases: Array<[string, string, string]> = [
      ['data-flush-interval', 'soon', 'flushInterval'],
      ['data-sample-rate', '', 'sampleRate'],
      ['data-sample-rate', '50%', 'sampleRate'],
      ['data-mode', 'always', 'mode'],
      ['data-respect-do-not-track', 'yes', 'respectDoNotTrack'],
      ['data-compress-in-worker', 'no', 'compressInWorker'],
      ['data-endpoint', '', 'endpoint'],
    ];
    for (const [attribute, value, option] of cases) {
      const o = scriptOptions(attrs({ 'data-endpoint': '/i', 'data-consent': 'manual', [attribute]: value }), undefined);
      assert.throws(
        () => validateOptions(o),
        (e: unknown) => e instanceof ReticentError && e.code === 'INVALID_OPTION' && e.message.startsWith(`${option}:`),
        `${attribute}="${value}"`,
      );
    }
  });
});
