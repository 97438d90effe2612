import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compressionOf, createInit } from '../src/core.js';
import { ReticentError } from '../src/errors.js';
import type { ReticentOptions } from '../src/options.js';
import type { WasmBindings, WasmRecorderOptions } from '../src/wasm/contract.js';
import { FakeWasm, fakeGzip } from './fakes.js';

function fakeBindings(ctor?: (o: WasmRecorderOptions) => void) {
  const constructed: WasmRecorderOptions[] = [];
  const bindings: WasmBindings = {
    Recorder: class extends FakeWasm {
      constructor(options: WasmRecorderOptions) {
        super();
        ctor?.(options);
        constructed.push(options);
      }
    },
    gzipBatch: fakeGzip,
  };
  return { bindings, constructed };
}

const ok: ReticentOptions = { endpoint: '/ingest', consent: 'manual' };

describe('createInit', () => {
  it('returns a promise that rejects with a ReticentError on bad options, before loading', async () => {
    let loads = 0;
    const init = createInit<ReticentOptions, void>({
      keys: [],
      pick: () => undefined,
      load: () => {
        loads++;
        return Promise.resolve(fakeBindings().bindings);
      },
    });
    const p = init({ ...ok, flushInterval: 1 });
    assert.ok(p instanceof Promise);
    await assert.rejects(p, (e: unknown) => e instanceof ReticentError && e.code === 'INVALID_OPTION');
    await assert.rejects(init({ ...ok, bogus: 1 } as ReticentOptions), (e: unknown) => e instanceof ReticentError && e.code === 'UNKNOWN_OPTION');
    await assert.rejects(init(undefined as unknown as ReticentOptions), (e: unknown) => e instanceof ReticentError && e.code === 'INVALID_OPTION');
    assert.equal(loads, 0);
  });

  it('an option getter or Proxy that throws while read: INVALID_OPTION, not the thrown TypeError', async () => {
    const init = createInit<ReticentOptions, void>({ keys: [], pick: () => undefined, load: () => Promise.resolve(fakeBindings().bindings) });
    const getter = {
      endpoint: '/ingest',
      get consent(): 'manual' {
        throw new TypeError('the site getter');
      },
    };
    const proxy = new Proxy({ ...ok }, {
      ownKeys() {
        throw new RangeError('the site proxy');
      },
    });
    for (const raw of [getter, proxy]) {
      await assert.rejects(init(raw as ReticentOptions), (e: unknown) => {
        assert.ok(e instanceof ReticentError, String(e));
        assert.equal(e.code, 'INVALID_OPTION');
        assert.match(e.message, /^options: could not be read: .*the site (getter|proxy)/);
        return true;
      });
    }
  });

  it('loads once and passes the privacy options to the module', async () => {
    let loads = 0;
    const { bindings, constructed } = fakeBindings();
    const init = createInit<ReticentOptions, void>({
      keys: [],
      pick: () => undefined,
      load: () => {
        loads++;
        return Promise.resolve(bindings);
      },
    });
    const [a, b] = await Promise.all([
      init(ok),
      init({ ...ok, privacy: { allowQueryParams: ['q'], unmaskText: ['.t'], excludePages: ['/pay/*'] } }),
    ]);
    assert.equal(loads, 1);
    assert.notEqual(a, b);
    const none = { allowQueryParams: [], unmaskText: [], unmaskInputs: [], mask: [], block: [], ignore: [], excludePages: [], customDetectors: [] };
    assert.deepEqual(constructed, [
      { privacy: none },
      { privacy: { ...none, allowQueryParams: ['q'], unmaskText: ['.t'], excludePages: ['/pay/*'] } },
    ]);
    for (const m of ['grantConsent', 'withdrawConsent', 'flush', 'trigger', 'stop'] as const) assert.equal(typeof a[m], 'function');
  });

  it('rejects with LOAD_FAILED when loading fails, and retries next time', async () => {
    let loads = 0;
    const init = createInit<ReticentOptions, void>({
      keys: [],
      pick: () => undefined,
      load: () => {
        loads++;
        return loads === 1 ? Promise.reject(new TypeError('Failed to fetch')) : Promise.resolve(fakeBindings().bindings);
      },
    });
    await assert.rejects(init(ok), (e: unknown) => e instanceof ReticentError && e.code === 'LOAD_FAILED' && /Failed to fetch/.test(e.message));
    await assert.doesNotReject(init(ok));
    assert.equal(loads, 2);
  });

  it('converts an error thrown by the module constructor', async () => {
    const { bindings } = fakeBindings(() => {
      throw Object.assign(new Error('privacy.allowQueryParams[0]: expected a parameter name'), { name: 'ReticentError', code: 'INVALID_OPTION' });
    });
    const init = createInit<ReticentOptions, void>({ keys: [], pick: () => undefined, load: () => Promise.resolve(bindings) });
    await assert.rejects(init({ ...ok, privacy: { allowQueryParams: ['a b'] } }), (e: unknown) => {
      return e instanceof ReticentError && e.code === 'INVALID_OPTION' && e.message.startsWith('privacy.allowQueryParams[0]');
    });
  });

  it("validates an entry point's own options with its pick()", async () => {
    type Slim = ReticentOptions & { wasmUrl: string };
    const seen: string[] = [];
    const init = createInit<Slim, string>({
      keys: ['wasmUrl'],
      pick: (raw) => {
        if (typeof raw.wasmUrl !== 'string') throw new ReticentError('INVALID_OPTION', 'wasmUrl: expected a string');
        return raw.wasmUrl;
      },
      load: (url) => {
        seen.push(url);
        return Promise.resolve(fakeBindings().bindings);
      },
    });
    await assert.rejects(init({ ...ok } as Slim), (e: unknown) => e instanceof ReticentError && e.message.startsWith('wasmUrl:'));
    await init({ ...ok, wasmUrl: '/r.wasm' });
    assert.deepEqual(seen, ['/r.wasm']);
  });
});

describe('compressionOf', () => {
  const module = {} as WebAssembly.Module;
  it('offers the worker when the entry inlined one and compressInWorker is true; always the main-thread gzip', () => {
    const { bindings } = fakeBindings();
    assert.equal(compressionOf(bindings).spawnWorker, undefined, 'no worker script: main thread only');
    const withWorker = { ...bindings, worker: { module, source: '/* worker */' } };
    assert.equal(typeof compressionOf(withWorker).spawnWorker, 'function');
    assert.equal(compressionOf(withWorker, false).spawnWorker, undefined, 'compressInWorker: false');
    assert.equal(typeof compressionOf(withWorker, false).gzip, 'function');
  });
});
