import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeptioSignal } from '../src/consent/axeptio.js';
import { cookiebotSignal, CookiebotAdapter } from '../src/consent/cookiebot.js';
import { cookieConsentSignal, CookieConsentAdapter } from '../src/consent/cookieconsent.js';
import { didomiSignal, DidomiAdapter } from '../src/consent/didomi.js';
import { applyEntry, consentModeSignal, GoogleConsentModeAdapter, INITIAL_CONSENT_MODE } from '../src/consent/google-consent-mode.js';
import { browserOptsOut, createAdapter, resolveConsent, type ConsentSignal } from '../src/consent/index.js';
import { klaroSignal, KlaroAdapter } from '../src/consent/klaro.js';
import { oneTrustSignal, OneTrustAdapter } from '../src/consent/onetrust.js';
import { TarteaucitronAdapter } from '../src/consent/tarteaucitron.js';
import { tcfSignal, TcfAdapter } from '../src/consent/tcf.js';
import type { Global } from '../src/consent/types.js';
import { usercentricsV2Signal, usercentricsV3Signal, UsercentricsAdapter } from '../src/consent/usercentrics.js';
import { ReticentError } from '../src/errors.js';
import { validateOptions } from '../src/options.js';
import { createRecorder } from '../src/recorder.js';
import { FakeWasm, ManualTimers, recordingSend, fakeCompression } from './fakes.js';

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
    // TCF v2.2 has purposes 1 to 11: 12 would never be consented to.
    [{ cmp: 'tcf', purposes: [1, 12] }, 'INVALID_OPTION', 'consent.purposes:'],
    [{ cmp: 'tcf', purposes: [1, 99] }, 'INVALID_OPTION', 'consent.purposes:'],
    [{ cmp: 'tcf', vendorId: -1 }, 'INVALID_OPTION', 'consent.vendorId:'],
    [{ cmp: 'tcf', vendorld: 5 }, 'UNKNOWN_OPTION', 'consent.vendorld:'],
    [{ cmp: 'onetrust', groupId: '' }, 'INVALID_OPTION', 'consent.groupId:'],
    [{ cmp: 'cookiebot', category: 'necessary' }, 'INVALID_OPTION', 'consent.category:'],
    // Values JSON cannot show, and names every object has: still typed errors naming the option.
    [{ cmp: 'tcf', vendorId: 10n }, 'INVALID_OPTION', 'consent.vendorId:'],
    [{ cmp: 10n }, 'INVALID_OPTION', 'consent.cmp:'],
    [{ cmp: 'tcf', toString: 1 }, 'UNKNOWN_OPTION', 'consent.toString:'],
    [{ cmp: 'tcf', constructor: 'x' }, 'UNKNOWN_OPTION', 'consent.constructor:'],
    [{ cmp: 'tarteaucitron', key: 'a b' }, 'INVALID_OPTION', 'consent.key:'],
    [{ cmp: 'klaro', service: '' }, 'INVALID_OPTION', 'consent.service:'],
    [{ cmp: 'klaro', category: 'analytics' }, 'UNKNOWN_OPTION', 'consent.category:'],
    [{ cmp: 'cookieconsent', category: 7 }, 'INVALID_OPTION', 'consent.category:'],
    [{ cmp: 'cookieconsent', service: '' }, 'INVALID_OPTION', 'consent.service:'],
    [{ cmp: 'cookieconsent', vendor: 'x' }, 'UNKNOWN_OPTION', 'consent.vendor:'],
    [null, 'INVALID_OPTION', 'consent:'],
  ];
  for (const [raw, code, prefix] of cases) {
    it(`rejects ${JSON.stringify(raw, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} with ${code}`, () => {
      assert.throws(
        () => resolveConsent(raw),
        (e: unknown) => e instanceof ReticentError && e.code === code && e.message.startsWith(prefix),
      );
    });
  }
  it('accepts every source by name or object', () => {
    for (const s of ['manual', 'tcf', 'google-consent-mode', 'axeptio', 'tarteaucitron', 'cookiebot', 'onetrust', 'klaro', 'cookieconsent']) {
      assert.deepEqual(resolveConsent(s), { cmp: s });
    }
    assert.deepEqual(resolveConsent({ cmp: 'didomi', vendorId: 'c:reticent' }), { cmp: 'didomi', vendorId: 'c:reticent' });
    assert.equal(resolveConsent({ cmp: 'tcf', purposes: [1, 10], vendorId: 0 }).vendorId, 0);
    assert.deepEqual(resolveConsent({ cmp: 'klaro', service: 'replay' }), { cmp: 'klaro', service: 'replay' });
    assert.deepEqual(resolveConsent({ cmp: 'cookieconsent', category: 'stats', service: 'reticent' }), {
      cmp: 'cookieconsent',
      category: 'stats',
      service: 'reticent',
    });
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
  /** The signal after folding `entries` in order. */
  const signal = (...entries: unknown[][]) =>
    consentModeSignal(entries.reduce((s, e) => applyEntry(s, e, 'analytics_storage'), INITIAL_CONSENT_MODE));
  it('reads defaults and updates, distrusts region-scoped grants', () => {
    assert.equal(signal(args('consent', 'default', { analytics_storage: 'denied' })), 'denied');
    assert.equal(signal(args('consent', 'update', { analytics_storage: 'granted' })), 'granted');
    assert.equal(signal(args('consent', 'default', { analytics_storage: 'granted', region: ['US'] })), 'unknown');
    assert.equal(signal(args('consent', 'update', { ad_storage: 'granted' })), 'unknown');
    assert.equal(signal(['not', 'consent'], args('consent', 'default', { analytics_storage: 'granted' })), 'granted');
    assert.equal(consentModeSignal(applyEntry(INITIAL_CONSENT_MODE, { event: 'gtm.js' } as never, 'analytics_storage')), 'unknown');
  });
  it('a region-scoped denial outweighs a global grant in either order, until an update', () => {
    // Google's documented pattern: denied in the EEA, granted elsewhere. gtag
    // applies the region's default whatever the order, and the visitor may be
    // in the region.
    const eea = args('consent', 'default', { analytics_storage: 'denied', region: ['FR', 'DE'] });
    const world = args('consent', 'default', { analytics_storage: 'granted' });
    assert.equal(signal(eea, world), 'denied');
    assert.equal(signal(world, eea), 'denied');
    assert.equal(signal(eea, world, args('consent', 'update', { analytics_storage: 'granted' })), 'granted');
    assert.equal(signal(world, args('consent', 'update', { analytics_storage: 'denied' })), 'denied');
    // A later default does not undo an update (gtag keeps the update).
    assert.equal(signal(args('consent', 'update', { analytics_storage: 'denied' }), world), 'denied');
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
    assert.equal(cookiebotSignal({ consent: { statistics: true, method: 'explicit' }, hasResponse: true }, 'statistics'), 'granted');
    // Implied (opt-out) consent, before or without the visitor's answer, waits.
    assert.equal(cookiebotSignal({ consent: { statistics: true, method: 'implied' }, hasResponse: false }, 'statistics'), 'unknown');
    assert.equal(cookiebotSignal({ consent: { statistics: true, method: 'implied' }, hasResponse: true }, 'statistics'), 'unknown');
    assert.equal(cookiebotSignal({ consent: { statistics: true } }, 'statistics'), 'unknown');
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

/** A stand-in of Klaro's ConsentManager with its real semantics (consent-manager.js of klaro 0.7). */
class FakeKlaroManager {
  consents: Record<string, boolean>;
  states: Record<string, boolean> = {};
  confirmed: boolean;
  watchers = new Set<{ update(m: unknown, name: string, data?: unknown): void }>();
  constructor(stored: Record<string, boolean> | null, defaults: Record<string, boolean> = { reticent: false }) {
    this.consents = { ...(stored ?? defaults) };
    this.confirmed = stored !== null;
    this.applyConsents();
  }
  watch(w: { update(m: unknown, name: string, data?: unknown): void }) {
    this.watchers.add(w);
  }
  unwatch(w: { update(m: unknown, name: string, data?: unknown): void }) {
    this.watchers.delete(w);
  }
  notify(name: string) {
    this.watchers.forEach((w) => w.update(this, name));
  }
  getConsent(name: string) {
    return this.consents[name] || false;
  }
  /** A switch flipped in the modal, not saved. */
  updateConsent(name: string, v: boolean) {
    this.consents[name] = v;
    this.notify('consents');
  }
  saveAndApplyConsents() {
    this.confirmed = true;
    this.notify('saveConsents');
    this.applyConsents();
  }
  applyConsents() {
    for (const name of Object.keys(this.consents)) {
      const consent = this.getConsent(name) && this.confirmed;
      this.states[name] = consent; // what the service callback(consent) receives
    }
    this.notify('applyConsents');
  }
  resetConsents() {
    this.consents = { reticent: false };
    this.confirmed = false;
    this.states = {};
    this.applyConsents();
  }
}

describe('Klaro', () => {
  it('decides on applied consents only', () => {
    assert.equal(klaroSignal(undefined, 'reticent'), 'unknown');
    assert.equal(klaroSignal(new FakeKlaroManager(null), 'reticent'), 'unknown', 'start-up: callback(false) is not a refusal');
    assert.equal(klaroSignal(new FakeKlaroManager(null, { reticent: true }), 'reticent'), 'unknown', 'default: true is not a choice');
    assert.equal(klaroSignal(new FakeKlaroManager({ reticent: true }), 'reticent'), 'granted');
    assert.equal(klaroSignal(new FakeKlaroManager({ reticent: false }), 'reticent'), 'denied');
    assert.equal(klaroSignal(new FakeKlaroManager({ other: true }), 'reticent'), 'unknown', 'service missing from the config');
    const m = new FakeKlaroManager(null);
    m.updateConsent('reticent', true);
    assert.equal(klaroSignal(m, 'reticent'), 'unknown', 'a switch flipped but not saved');
  });
  it('waits for Klaro and its config, follows saved choices, ignores unsaved switches, unwatches on stop', () => {
    const g = fakeGlobal();
    const c = collect();
    const a = new KlaroAdapter({}, g);
    a.start(c.emit);
    g.klaro = {
      getManager: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'storageName')"); // no config yet
      },
    };
    g.tick();
    assert.deepEqual(c.signals, ['unknown']);
    const m = new FakeKlaroManager(null);
    g.klaro = { getManager: () => m };
    g.tick();
    assert.equal(c.last(), 'unknown', 'banner shown');
    m.updateConsent('reticent', true);
    assert.equal(c.last(), 'unknown', 'toggled, not saved');
    m.saveAndApplyConsents();
    assert.equal(c.last(), 'granted');
    m.updateConsent('reticent', false);
    assert.equal(c.last(), 'granted', 'toggled off, not saved yet');
    m.saveAndApplyConsents();
    assert.equal(c.last(), 'denied', 'withdrawal saved');
    m.updateConsent('reticent', true);
    m.saveAndApplyConsents();
    assert.equal(c.last(), 'granted');
    m.resetConsents();
    assert.equal(c.last(), 'unknown', 'reset: no choice any more');
    a.stop();
    assert.equal(m.watchers.size, 0);
  });
  it('a returning visitor: the stored choice applied at start-up is honoured', () => {
    const m = new FakeKlaroManager({ reticent: true });
    const g = fakeGlobal({ klaro: { getManager: () => m } });
    const c = collect();
    new KlaroAdapter({ service: 'reticent' }, g).start(c.emit);
    assert.deepEqual(c.signals, ['unknown', 'granted']);
  });
  it('a custom service name', () => {
    const m = new FakeKlaroManager({ replay: true, reticent: false });
    const g = fakeGlobal({ klaro: { getManager: () => m } });
    const c = collect();
    new KlaroAdapter({ service: 'replay' }, g).start(c.emit);
    assert.equal(c.last(), 'granted');
  });
});

describe('CookieConsent', () => {
  /** A stand-in of window.CookieConsent (v3 API), events dispatched on `g` like the library does on window. */
  function fakeCc(init: { valid: boolean; categories: string[]; services?: Record<string, string[]> }) {
    const st = { ...init, services: init.services ?? {} };
    return {
      st,
      api: {
        validConsent: () => st.valid,
        acceptedCategory: (c: string) => st.categories.includes(c),
        acceptedService: (s: string, c: string) => (st.services[c] ?? []).includes(s),
      },
    };
  }
  it('decides from validConsent, the category and the service', () => {
    const s = {};
    assert.equal(cookieConsentSignal(undefined, s), 'unknown');
    assert.equal(cookieConsentSignal(fakeCc({ valid: false, categories: ['necessary'] }).api, s), 'unknown');
    assert.equal(
      cookieConsentSignal(fakeCc({ valid: false, categories: ['necessary', 'analytics'] }).api, s),
      'unknown',
      "mode 'opt-out' accepts categories before any choice",
    );
    assert.equal(cookieConsentSignal(fakeCc({ valid: true, categories: ['necessary', 'analytics'] }).api, s), 'granted');
    assert.equal(cookieConsentSignal(fakeCc({ valid: true, categories: ['necessary'] }).api, s), 'denied');
    assert.equal(cookieConsentSignal(fakeCc({ valid: true, categories: ['stats'] }).api, { category: 'stats' }), 'granted');
    const svc = { service: 'reticent' };
    assert.equal(cookieConsentSignal(fakeCc({ valid: true, categories: ['analytics'] }).api, svc), 'denied', 'service not accepted');
    assert.equal(
      cookieConsentSignal(fakeCc({ valid: true, categories: ['analytics'], services: { analytics: ['reticent'] } }).api, svc),
      'granted',
    );
  });
  it('reads when the global appears, then on cc:onConsent / cc:onChange; stops listening', () => {
    const g = fakeGlobal();
    const c = collect();
    const a = new CookieConsentAdapter({}, g);
    a.start(c.emit);
    assert.deepEqual(c.signals, ['unknown']);
    const cc = fakeCc({ valid: false, categories: ['necessary'] });
    g.CookieConsent = cc.api; // loaded late, run() not called yet
    g.tick();
    assert.equal(c.last(), 'unknown');
    cc.st.valid = true;
    cc.st.categories = ['necessary', 'analytics'];
    g.dispatchEvent(new Event('cc:onFirstConsent'));
    g.dispatchEvent(new Event('cc:onConsent'));
    assert.equal(c.last(), 'granted');
    cc.st.categories = ['necessary'];
    g.dispatchEvent(new Event('cc:onChange'));
    assert.equal(c.last(), 'denied', 'withdrawal');
    a.stop();
    cc.st.categories = ['necessary', 'analytics'];
    g.dispatchEvent(new Event('cc:onChange'));
    assert.equal(c.last(), 'denied', 'nothing after stop');
  });
  it('a returning visitor whose cc:onConsent fired before Reticent started', () => {
    const cc = fakeCc({ valid: true, categories: ['necessary', 'analytics'] });
    const g = fakeGlobal({ CookieConsent: cc.api });
    const c = collect();
    new CookieConsentAdapter({}, g).start(c.emit);
    assert.deepEqual(c.signals, ['unknown', 'granted']);
  });
  it('createAdapter builds the Klaro and CookieConsent adapters', () => {
    assert.ok(createAdapter(resolveConsent('klaro'), fakeGlobal()) instanceof KlaroAdapter);
    assert.ok(createAdapter(resolveConsent({ cmp: 'cookieconsent', service: 'reticent' }), fakeGlobal()) instanceof CookieConsentAdapter);
  });
  it('a throwing CookieConsent reads as unknown', () => {
    const g = fakeGlobal({
      CookieConsent: {
        validConsent: () => {
          throw new Error('boom');
        },
      },
    });
    const c = collect();
    new CookieConsentAdapter({}, g).start(c.emit);
    assert.deepEqual(c.signals, ['unknown', 'unknown']);
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
    const recorder = createRecorder({ wasm, options, compression: fakeCompression(), send, timers: new ManualTimers(), newId: () => 'id', adapter, optedOut });
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
