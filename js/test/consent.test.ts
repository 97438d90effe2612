import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeptioSignal } from '../src/consent/axeptio.js';
import { cookiebotSignal, CookiebotAdapter } from '../src/consent/cookiebot.js';
import { didomiSignal, DidomiAdapter } from '../src/consent/didomi.js';
import { consentFromEntry, GoogleConsentModeAdapter } from '../src/consent/google-consent-mode.js';
import { browserOptsOut, createAdapter, resolveConsent, type ConsentSignal } from '../src/consent/index.js';
import { oneTrustSignal, OneTrustAdapter } from '../src/consent/onetrust.js';
import { TarteaucitronAdapter } from '../src/consent/tarteaucitron.js';
import { tcfSignal, TcfAdapter } from '../src/consent/tcf.js';
import type { Global } from '../src/consent/types.js';
import { usercentricsV2Signal, usercentricsV3Signal, UsercentricsAdapter } from '../src/consent/usercentrics.js';
import { ReticentError } from '../src/errors.js';
import { validateOptions } from '../src/options.js';
import { createRecorder } from '../src/recorder.js';
import { FakeWasm, ManualTimers, recordingSend } from './fakes.js';

/** A fake window: an EventTarget with manual timers and a document EventTarget. */
function fakeGlobal(extra: Record<string, unknown> = {}): Global & { tick(): void } {
  const target = new EventTarget();
  const intervals = new Map<number, () => void>();
  let next = 1;
  const g = {
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    dispatchEvent: target.dispatchEvent.bind(target),
    document: new EventTarget(),
    setInterval: (fn: () => void) => {
      intervals.set(next, fn);
      return next++;
    },
    clearInterval: (id: number) => void intervals.delete(id),
    tick: () => [...intervals.values()].forEach((fn) => fn()),
    ...extra,
  };
  return g as unknown as Global & { tick(): void };
}

function collect(): { signals: ConsentSignal[]; emit: (s: ConsentSignal) => void; last: () => ConsentSignal | undefined } {
  const signals: ConsentSignal[] = [];
  return { signals, emit: (s) => void signals.push(s), last: () => signals[signals.length - 1] };
}

describe('resolveConsent', () => {
  const cases: Array<[unknown, string, string]> = [
    ['auto', 'INVALID_OPTION', 'consent:'],
    [{ cmp: 'nope' }, 'INVALID_OPTION', 'consent.cmp:'],
    ['didomi', 'INVALID_OPTION', 'consent.vendorId:'],
    ['usercentrics', 'INVALID_OPTION', 'consent.service:'],
    [{ cmp: 'tcf', purposes: [] }, 'INVALID_OPTION', 'consent.purposes:'],
    [{ cmp: 'tcf', purposes: [1, 99] }, 'INVALID_OPTION', 'consent.purposes:'],
    [{ cmp: 'tcf', vendorId: -1 }, 'INVALID_OPTION', 'consent.vendorId:'],
    [{ cmp: 'tcf', vendorld: 5 }, 'UNKNOWN_OPTION', 'consent.vendorld:'],
    [{ cmp: 'onetrust', groupId: '' }, 'INVALID_OPTION', 'consent.groupId:'],
    [{ cmp: 'cookiebot', category: 'necessary' }, 'INVALID_OPTION', 'consent.category:'],
    [{ cmp: 'tarteaucitron', key: 'a b' }, 'INVALID_OPTION', 'consent.key:'],
    [null, 'INVALID_OPTION', 'consent:'],
  ];
  for (const [raw, code, prefix] of cases) {
    it(`rejects ${JSON.stringify(raw)} with ${code}`, () => {
      assert.throws(
        () => resolveConsent(raw),
        (e: unknown) => e instanceof ReticentError && e.code === code && e.message.startsWith(prefix),
      );
    });
  }
  it('accepts every source by name or object', () => {
    for (const s of ['manual', 'tcf', 'google-consent-mode', 'axeptio', 'tarteaucitron', 'cookiebot', 'onetrust']) {
      assert.deepEqual(resolveConsent(s), { cmp: s });
    }
    assert.deepEqual(resolveConsent({ cmp: 'didomi', vendorId: 'c:reticent' }), { cmp: 'didomi', vendorId: 'c:reticent' });
    assert.equal(resolveConsent({ cmp: 'tcf', purposes: [1, 10], vendorId: 0 }).vendorId, 0);
  });
  it('validateOptions checks the browser-signal flags', () => {
    assert.throws(
      () => validateOptions({ endpoint: '/i', consent: 'manual', respectDoNotTrack: 'yes' }),
      (e: unknown) => e instanceof ReticentError && e.message.startsWith('respectDoNotTrack:'),
    );
  });
});

describe('TCF', () => {
  const s = { purposes: [1, 8] };
  const full = { purpose: { consents: { 1: true, 8: true } }, publisher: { consents: { 1: true, 8: true } } };
  it('grants only with every purpose and the party', () => {
    assert.equal(tcfSignal({ ...full, eventStatus: 'useractioncomplete' }, true, s), 'granted');
    assert.equal(tcfSignal({ ...full, publisher: { consents: { 1: true } } }, true, s), 'denied');
    assert.equal(tcfSignal({ ...full, purpose: { consents: {} } }, true, s), 'denied', 'reject all gives sparse {}');
    assert.equal(tcfSignal({ ...full }, true, { ...s, vendorId: 42 }), 'denied', 'vendor consent required');
    assert.equal(tcfSignal({ ...full, vendor: { consents: { 42: true } } }, true, { ...s, vendorId: 42 }), 'granted');
  });
  it('treats the banner, errors and out-of-scope visitors as no consent', () => {
    assert.equal(tcfSignal({ eventStatus: 'cmpuishown', purpose: { consents: {} } }, true, s), 'unknown');
    assert.equal(tcfSignal(null, false, s), 'unknown', 'a throwing listener is called again with (null, false)');
    assert.equal(tcfSignal({ gdprApplies: false }, true, s), 'denied');
    assert.equal(tcfSignal({ gdprApplies: false }, true, { ...s, recordWhenGdprDoesNotApply: true }), 'granted');
  });
  it('waits for a late CMP, follows changes, removes listener id 0 on stop', () => {
    const g = fakeGlobal();
    const c = collect();
    const a = new TcfAdapter({}, g);
    a.start(c.emit);
    assert.deepEqual(c.signals, ['unknown']);
    let listener: ((d: unknown, ok: boolean) => void) | undefined;
    const removed: unknown[] = [];
    g.__tcfapi = (cmd: string, _v: number, cb: (d: unknown, ok: boolean) => void, param?: unknown) => {
      if (cmd === 'addEventListener') {
        listener = cb;
        cb({ listenerId: 0, eventStatus: 'tcloaded', ...full }, true);
      } else if (cmd === 'removeEventListener') removed.push(param);
    };
    g.tick();
    assert.equal(c.last(), 'granted', 'returning visitor: tcloaded with a stored choice');
    listener?.({ listenerId: 0, eventStatus: 'useractioncomplete', purpose: { consents: {} } }, true);
    assert.equal(c.last(), 'denied');
    a.stop();
    assert.deepEqual(removed, [0]);
    listener?.({ listenerId: 0, ...full }, true);
    assert.equal(c.last(), 'denied', 'nothing after stop');
  });
  it('stays unknown when the CMP never loads', () => {
    const g = fakeGlobal();
    const c = collect();
    new TcfAdapter({}, g).start(c.emit);
    for (let i = 0; i < 10; i++) g.tick();
    assert.deepEqual(c.signals, ['unknown']);
  });
});

describe('Google Consent Mode', () => {
  const args = (...a: unknown[]) => a; // gtag pushes `arguments`, an array-like
  it('reads defaults and updates, distrusts region-scoped grants', () => {
    assert.equal(consentFromEntry(args('consent', 'default', { analytics_storage: 'denied' }), 'analytics_storage'), 'denied');
    assert.equal(consentFromEntry(args('consent', 'update', { analytics_storage: 'granted' }), 'analytics_storage'), 'granted');
    assert.equal(consentFromEntry(args('consent', 'default', { analytics_storage: 'granted', region: ['US'] }), 'analytics_storage'), undefined);
    assert.equal(consentFromEntry(args('consent', 'update', { ad_storage: 'granted' }), 'analytics_storage'), undefined);
    assert.equal(consentFromEntry({ event: 'gtm.js' }, 'analytics_storage'), undefined);
  });
  it('replays existing entries, follows pushes, restores push on stop', () => {
    const dataLayer: unknown[] = [args('consent', 'default', { analytics_storage: 'denied' })];
    const originalPush = dataLayer.push;
    const g = fakeGlobal({ dataLayer });
    const c = collect();
    const a = new GoogleConsentModeAdapter({}, g);
    a.start(c.emit);
    assert.equal(c.last(), 'denied');
    dataLayer.push(args('consent', 'update', { analytics_storage: 'granted' }));
    assert.equal(c.last(), 'granted');
    assert.equal(dataLayer.length, 2, 'the entry still reaches the dataLayer');
    a.stop();
    assert.equal(dataLayer.push, originalPush);
  });
  it('creates the dataLayer like gtag does when absent, and stays unknown', () => {
    const g = fakeGlobal();
    const c = collect();
    new GoogleConsentModeAdapter({}, g).start(c.emit);
    assert.ok(Array.isArray(g.dataLayer));
    assert.deepEqual(c.signals, ['unknown']);
  });
});

describe('Didomi', () => {
  const api = (enabled: boolean, required = true) => ({
    isConsentRequired: () => required,
    getCurrentUserStatus: () => ({ vendors: { 'c:reticent': { enabled } }, purposes: { replay: { enabled } } }),
  });
  it('reads the vendor (and purpose) status', () => {
    assert.equal(didomiSignal(api(true), { vendorId: 'c:reticent' }), 'granted');
    assert.equal(didomiSignal(api(false), { vendorId: 'c:reticent' }), 'denied');
    assert.equal(didomiSignal(api(true), { vendorId: 'c:other' }), 'denied');
    assert.equal(didomiSignal(api(true, false), { vendorId: 'c:reticent' }), 'denied');
  });
  it('uses the didomiOnReady and didomiEventListeners queues', () => {
    const g = fakeGlobal();
    const c = collect();
    new DidomiAdapter({ vendorId: 'c:reticent' }, g).start(c.emit);
    const ready = g.didomiOnReady as Array<(d: unknown) => void>;
    const listeners = g.didomiEventListeners as Array<{ event: string; listener: () => void }>;
    ready[0]?.(api(true));
    assert.equal(c.last(), 'granted');
    g.Didomi = api(false);
    listeners.find((l) => l.event === 'consent.changed')?.listener();
    assert.equal(c.last(), 'denied');
  });
});

describe('Axeptio, Cookiebot, OneTrust, Usercentrics decisions', () => {
  it('Axeptio', () => {
    assert.equal(axeptioSignal({ reticent: true }, 'reticent'), 'granted');
    assert.equal(axeptioSignal({ reticent: false }, 'reticent'), 'denied');
    assert.equal(axeptioSignal({}, 'reticent'), 'denied');
    assert.equal(axeptioSignal(undefined, 'reticent'), 'unknown');
  });
  it('Cookiebot', () => {
    assert.equal(cookiebotSignal(undefined, 'statistics'), 'unknown');
    assert.equal(cookiebotSignal({ consent: { statistics: true } }, 'statistics'), 'granted');
    assert.equal(cookiebotSignal({ consent: { statistics: false }, hasResponse: false }, 'statistics'), 'unknown');
    assert.equal(cookiebotSignal({ consent: { statistics: false }, hasResponse: true }, 'statistics'), 'denied');
  });
  it('OneTrust', () => {
    assert.equal(oneTrustSignal(',C0001,C0002,', 'C0002'), 'granted');
    assert.equal(oneTrustSignal(',C0001,C00021,', 'C0002'), 'denied', 'exact group ids only');
    assert.equal(oneTrustSignal(['C0001', 'C0002'], 'C0002'), 'granted');
    assert.equal(oneTrustSignal(undefined, 'C0002'), 'unknown');
  });
  it('Usercentrics', () => {
    assert.equal(usercentricsV3Signal({ services: { abc: { name: 'Reticent', consent: { given: true } } } }, 'Reticent'), 'granted');
    assert.equal(usercentricsV3Signal({ services: { abc: { name: 'Reticent', consent: { given: false } } } }, 'abc'), 'denied');
    assert.equal(usercentricsV3Signal({ services: {} }, 'abc'), 'unknown');
    assert.equal(usercentricsV2Signal([{ id: 'x', name: 'Reticent', consent: { status: true } }], 'Reticent'), 'granted');
    assert.equal(usercentricsV2Signal([], 'Reticent'), 'unknown');
  });
});

describe('event-driven adapters', () => {
  it('Cookiebot re-reads on its window events and stops listening', () => {
    const g = fakeGlobal();
    const c = collect();
    const a = new CookiebotAdapter({}, g);
    a.start(c.emit);
    assert.equal(c.last(), 'unknown');
    g.Cookiebot = { consent: { statistics: true }, hasResponse: true };
    g.dispatchEvent(new Event('CookiebotOnAccept'));
    assert.equal(c.last(), 'granted');
    a.stop();
    g.Cookiebot = { consent: { statistics: false }, hasResponse: true };
    g.dispatchEvent(new Event('CookiebotOnDecline'));
    assert.equal(c.last(), 'granted', 'no signal after stop');
  });
  it('OneTrust follows OneTrustGroupsUpdated', () => {
    const g = fakeGlobal({ OnetrustActiveGroups: ',C0001,' });
    const c = collect();
    new OneTrustAdapter({}, g).start(c.emit);
    assert.equal(c.last(), 'denied');
    const ev = new Event('OneTrustGroupsUpdated') as Event & { detail?: unknown };
    Object.defineProperty(ev, 'detail', { value: ['C0001', 'C0002'] });
    g.dispatchEvent(ev);
    assert.equal(c.last(), 'granted');
  });
  it('tarteaucitron: registers the service, honours a stored allow and stops on disallow', () => {
    const tac = { services: {} as Record<string, { js(): void; fallback(): void; needConsent: boolean }>, job: [] as string[], state: { reticent: true } };
    const g = fakeGlobal({ tarteaucitron: tac });
    const c = collect();
    const a = new TarteaucitronAdapter({}, g);
    a.start(c.emit);
    assert.equal(tac.services.reticent?.needConsent, true);
    assert.deepEqual(tac.job, ['reticent']);
    assert.equal(c.last(), 'granted', 'stored allow');
    (g.document as EventTarget).dispatchEvent(new Event('reticent_disallowed'));
    assert.equal(c.last(), 'denied');
    (g.document as EventTarget).dispatchEvent(new Event('reticent_loaded'));
    assert.equal(c.last(), 'granted');
    a.stop();
    (g.document as EventTarget).dispatchEvent(new Event('reticent_disallowed'));
    assert.equal(c.last(), 'granted', 'no signal after stop');
  });
  it('Usercentrics v2 re-reads on UC_UI_INITIALIZED and UC_CONSENT', () => {
    let status = false;
    const g = fakeGlobal();
    const c = collect();
    new UsercentricsAdapter({ service: 'Reticent' }, g).start(c.emit);
    g.UC_UI = { isInitialized: () => true, getServicesBaseInfo: () => [{ name: 'Reticent', consent: { status } }] };
    g.dispatchEvent(new Event('UC_UI_INITIALIZED'));
    assert.equal(c.last(), 'denied');
    status = true;
    g.dispatchEvent(new Event('UC_CONSENT'));
    assert.equal(c.last(), 'granted');
  });
});

describe('browser signals', () => {
  it('GPC by default, DNT only when asked', () => {
    assert.equal(browserOptsOut({}, { globalPrivacyControl: true }), true);
    assert.equal(browserOptsOut({ respectGlobalPrivacyControl: false }, { globalPrivacyControl: true }), false);
    assert.equal(browserOptsOut({}, { doNotTrack: '1' }), false);
    assert.equal(browserOptsOut({ respectDoNotTrack: true }, { doNotTrack: '1' }), true);
    assert.equal(browserOptsOut({}, undefined), false);
  });
});

describe('recorder and adapters', () => {
  function make(consent: unknown, optedOut = false) {
    const wasm = new FakeWasm();
    const { send, sent } = recordingSend();
    const options = validateOptions({ endpoint: '/i', consent, onError: () => {} });
    const adapter = createAdapter(options.consent, fakeGlobal());
    const recorder = createRecorder({ wasm, options, send, timers: new ManualTimers(), newId: () => 'id', adapter, optedOut });
    return { wasm, sent, recorder, adapter };
  }
  it('a CMP grant starts, a CMP refusal stops; the page cannot grant for the CMP', () => {
    const { wasm, recorder, adapter } = make('cookiebot');
    recorder.grantConsent();
    assert.equal(wasm.calls.filter((c) => c === 'grantConsent').length, 0, 'grantConsent() is the CMP’s job');
    const g = (adapter as unknown as { g: Global }).g;
    g.Cookiebot = { consent: { statistics: true }, hasResponse: true };
    g.dispatchEvent(new Event('CookiebotOnAccept'));
    assert.equal(wasm.calls.filter((c) => c === 'grantConsent').length, 1);
    g.Cookiebot = { consent: { statistics: false }, hasResponse: true };
    g.dispatchEvent(new Event('CookiebotOnDecline'));
    assert.equal(wasm.calls.filter((c) => c === 'withdrawConsent').length, 1);
  });
  it('a page withdrawal holds against later CMP grants', () => {
    const { wasm, recorder, adapter } = make('cookiebot');
    const g = (adapter as unknown as { g: Global }).g;
    g.Cookiebot = { consent: { statistics: true }, hasResponse: true };
    g.dispatchEvent(new Event('CookiebotOnAccept'));
    recorder.withdrawConsent();
    g.dispatchEvent(new Event('CookiebotOnAccept'));
    assert.equal(wasm.calls.filter((c) => c === 'grantConsent').length, 1);
  });
  it('an opted-out browser is never recorded, even by manual consent', () => {
    const { wasm, recorder, sent } = make('manual', true);
    recorder.grantConsent();
    assert.deepEqual(wasm.calls, []);
    assert.equal(sent.length, 0);
  });
});
