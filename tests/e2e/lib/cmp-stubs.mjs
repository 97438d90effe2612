// Faithful stand-ins for the CMPs' documented browser APIs: the same global names, queue
// objects, callback shapes, event names and timing (a CMP that loads late, a returning
// visitor with a stored choice, a fresh visitor facing a banner). Each stub is source text
// inlined into a test page; it exposes `window.__cmp = { accept(), reject(), load() }` for
// the test to play the visitor. None of them reads the DOM or writes storage, so whatever
// the instrumentation counts before consent comes from the recorder.
//
// `stored`: 'granted' | 'denied' | null (fresh visitor). `lateMs`: the CMP's script runs that
// long after the recorder's (0 = before it).

/** Wraps a stub body so it runs now or after `lateMs`. */
function wrap(name, body, { stored = null, lateMs = 0 } = {}) {
  return `
(function () {
  var stored = ${JSON.stringify(stored)};
  var cmp = (window.__cmp = { name: ${JSON.stringify(name)}, loaded: false });
  function load() {
${body}
    cmp.loaded = true;
  }
  cmp.load = load;
  ${lateMs > 0 ? `setTimeout(load, ${lateMs});` : 'load();'}
})();
`;
}

/** IAB TCF v2.2 — modelled on @iabtcf/cmpapi: listener ids from 0, sparse consent maps. */
export function tcf(opts) {
  return `
(function () {
  // The standard __tcfapi stub (as @iabtcf/stub installs it): queues calls until the CMP loads.
  var queue = [];
  window.__tcfapi = function (cmd, version, cb, param) {
    if (cmd === 'ping') { cb({ gdprApplies: undefined, cmpLoaded: false, cmpStatus: 'stub' }, true); return; }
    queue.push([cmd, version, cb, param]);
  };
  window.__tcfapi.__queue = queue;
})();
` + wrap('tcf', `
    var consents = stored === 'granted' ? { 1: true, 8: true } : {};
    var status = stored ? 'tcloaded' : 'cmpuishown';
    var listeners = new Map();
    var nextId = 0;
    function data(id) {
      return { tcString: 'CP_stub', gdprApplies: true, cmpStatus: 'loaded', eventStatus: status, listenerId: id,
        purpose: { consents: Object.assign({}, consents), legitimateInterests: {} },
        vendor: { consents: {}, legitimateInterests: {} },
        publisher: { consents: Object.assign({}, consents), legitimateInterests: {}, customPurpose: { consents: {}, legitimateInterests: {} } } };
    }
    function api(cmd, version, cb, param) {
      if (cmd === 'ping') cb({ gdprApplies: true, cmpLoaded: true, cmpStatus: 'loaded', displayStatus: stored ? 'hidden' : 'visible' }, true);
      else if (cmd === 'addEventListener') { var id = nextId++; listeners.set(id, cb); setTimeout(function () { cb(data(id), true); }, 0); }
      else if (cmd === 'removeEventListener') { var ok = listeners.delete(param); cb(ok, ok); }
      else cb(null, false);
    }
    var pending = (window.__tcfapi && window.__tcfapi.__queue) || [];
    window.__tcfapi = api;
    pending.forEach(function (c) { api(c[0], c[1], c[2], c[3]); });
    function fire() { listeners.forEach(function (cb, id) { cb(data(id), true); }); }
    cmp.accept = function () { consents = { 1: true, 8: true }; status = 'useractioncomplete'; fire(); };
    cmp.reject = function () { consents = {}; status = 'useractioncomplete'; fire(); };
`, opts);
}

/** A TCF CMP that errors: every listener call reports failure (\`(null, false)\`). */
export function tcfBroken() {
  return `window.__tcfapi = function (cmd, v, cb) { setTimeout(function () { cb(null, false); }, 0); };
window.__cmp = { accept: function () {}, reject: function () {} };`;
}

/** Google Consent Mode v2 — gtag pushes \`arguments\` objects to window.dataLayer. */
export function googleConsentMode(opts) {
  return `window.dataLayer = window.dataLayer || []; function gtag() { dataLayer.push(arguments); }` + wrap('google-consent-mode', `
    gtag('consent', 'default', { ad_storage: 'denied', analytics_storage: stored === 'granted' ? 'granted' : 'denied', wait_for_update: 500 });
    cmp.accept = function () { gtag('consent', 'update', { analytics_storage: 'granted' }); };
    cmp.reject = function () { gtag('consent', 'update', { analytics_storage: 'denied' }); };
`, opts);
}

/** Didomi — didomiOnReady and didomiEventListeners queues, replaced by live objects on load. */
export function didomi(opts) {
  return wrap('didomi', `
    var enabled = stored === 'granted';
    var listeners = [];
    var Didomi = {
      isConsentRequired: function () { return true; },
      getCurrentUserStatus: function () {
        return { vendors: { 'c:reticent': { id: 'c:reticent', enabled: enabled } }, purposes: { analytics: { id: 'analytics', enabled: enabled } } };
      },
    };
    window.Didomi = Didomi;
    (window.didomiEventListeners || []).forEach(function (l) { listeners.push(l); });
    window.didomiEventListeners = { push: function (l) { listeners.push(l); } };
    var ready = window.didomiOnReady || [];
    window.didomiOnReady = { push: function (f) { f(Didomi); } };
    ready.forEach(function (f) { f(Didomi); });
    function changed() { listeners.forEach(function (l) { if (l.event === 'consent.changed') l.listener({}); }); }
    cmp.accept = function () { enabled = true; changed(); };
    cmp.reject = function () { enabled = false; changed(); };
`, opts);
}

/** Axeptio — the _axcb queue receives the SDK, which emits cookies:complete with the choices. */
export function axeptio(opts) {
  return wrap('axeptio', `
    var handlers = {};
    var sdk = { on: function (e, cb) { (handlers[e] = handlers[e] || []).push(cb);
      if (e === 'cookies:complete' && stored !== null) cb({ reticent: stored === 'granted', $$completed: true }); } };
    function emit(e, payload) { (handlers[e] || []).forEach(function (cb) { cb(payload); }); }
    var queue = window._axcb || [];
    window._axcb = { push: function (f) { f(sdk); } };
    queue.forEach(function (f) { f(sdk); });
    cmp.accept = function () { emit('cookies:complete', { reticent: true, $$completed: true }); };
    cmp.reject = function () { emit('cookies:complete', { reticent: false, $$completed: true }); };
`, opts);
}

/**
 * tarteaucitron — services registered in tarteaucitron.services and queued in
 * tarteaucitron.job; at init a stored allow runs js() and fires <key>_loaded (not _allowed),
 * 'wait' shows the banner; the visitor's choice fires <key>_allowed / <key>_disallowed.
 */
export function tarteaucitron(opts) {
  return wrap('tarteaucitron', `
    var tac = (window.tarteaucitron = { services: {}, job: [], state: {}, launch: {} });
    function fire(name) { document.dispatchEvent(new Event(name)); }
    function addService(key) {
      var s = tac.services[key];
      if (!s) return;
      if (stored === 'granted') { tac.state[key] = true; s.js(); fire(key + '_loaded'); fire(key + '_added'); }
      else if (stored === 'denied') { tac.state[key] = false; s.fallback(); }
      else { tac.state[key] = 'wait'; }
    }
    // tarteaucitron processes the job list once loaded, then every later push at once.
    setTimeout(function () {
      tac.job.forEach(addService);
      tac.job.push = function (key) { Array.prototype.push.call(tac.job, key); addService(key); };
    }, 50);
    cmp.accept = function () { Object.keys(tac.services).forEach(function (k) { tac.state[k] = true; tac.services[k].js(); fire(k + '_allowed'); }); };
    cmp.reject = function () { Object.keys(tac.services).forEach(function (k) { tac.state[k] = false; tac.services[k].fallback(); fire(k + '_disallowed'); }); };
`, opts);
}

/** Cookiebot — window.Cookiebot.consent.* read-only booleans and the CookiebotOn* window events. */
export function cookiebot(opts) {
  return wrap('cookiebot', `
    var consent = { necessary: true, preferences: false, statistics: stored === 'granted', marketing: false, method: stored === null ? null : 'explicit' };
    window.Cookiebot = { consent: consent, consented: stored === 'granted', declined: stored === 'denied', hasResponse: stored !== null };
    function fire(name) { window.dispatchEvent(new Event(name)); }
    fire('CookiebotOnLoad');
    if (stored !== null) { fire('CookiebotOnConsentReady'); fire(stored === 'granted' ? 'CookiebotOnAccept' : 'CookiebotOnDecline'); }
    cmp.accept = function () { consent.statistics = true; consent.method = 'explicit'; window.Cookiebot.hasResponse = true; fire('CookiebotOnConsentReady'); fire('CookiebotOnAccept'); };
    cmp.reject = function () { consent.statistics = false; consent.method = 'explicit'; window.Cookiebot.hasResponse = true; fire('CookiebotOnConsentReady'); fire('CookiebotOnDecline'); };
`, opts);
}

/** OneTrust — OnetrustActiveGroups (",C0001,C0002,") and OneTrustGroupsUpdated (detail: ids). */
export function oneTrust(opts) {
  return wrap('onetrust', `
    function set(groups) {
      window.OnetrustActiveGroups = ',' + groups.join(',') + ',';
      window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: groups }));
    }
    set(stored === 'granted' ? ['C0001', 'C0002'] : ['C0001']);
    cmp.accept = function () { set(['C0001', 'C0002']); };
    cmp.reject = function () { set(['C0001']); };
`, opts);
}

/** Usercentrics v3 — __ucCmp.getConsentDetails() (async) and the UC_CONSENT window event. */
export function usercentrics(opts) {
  return wrap('usercentrics', `
    var given = stored === 'granted';
    window.__ucCmp = { getConsentDetails: function () {
      return Promise.resolve({ consent: { status: given ? 'ALL_ACCEPTED' : 'ALL_DENIED' }, services: { HkOc1Xq9d: { name: 'Reticent', consent: { given: given } } } });
    } };
    function fire() { window.dispatchEvent(new CustomEvent('UC_CONSENT', { detail: { type: 'CONSENT_UPDATE' } })); }
    window.dispatchEvent(new Event('UC_UI_INITIALIZED'));
    cmp.accept = function () { given = true; fire(); };
    cmp.reject = function () { given = false; fire(); };
`, opts);
}
