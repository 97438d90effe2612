// Consent, end to end in headless Chromium, against the REAL consent libraries installed
// from npm (tests/package.json) and served from tests/node_modules by the test server —
// nothing is fetched from outside:
//   - IAB TCF v2.2: @iabtcf/stub + @iabtcf/cmpapi + @iabtcf/core — a small CMP built in the
//     page on the real CmpApi, fed real TC strings (TCModel + TCString.encode, a GVL built
//     from a JSON object in the page);
//   - tarteaucitron (tarteaucitronjs), with Reticent registered as a tarteaucitron service;
//   - Klaro (klaro), with a `reticent` service in the Klaro config;
//   - CookieConsent v3 (vanilla-cookieconsent), category `analytics`, service `reticent`.
// For each: a fresh visitor (banner shown, no choice) is not recorded; accepting brings a
// full snapshot; rejecting records nothing; a returning visitor (the page reloaded in the
// same browser context, so the CMP's own cookie/storage persists) has each stored choice
// honoured; a CMP loading after Reticent works; a withdrawal after recording started stops
// every byte.
//
// Real CMPs read the DOM and write their own cookies/storage, so the instrumentation
// (./lib/instrument-attributed.mjs) attributes every counted call to its immediate caller:
// "the recorder did nothing" means no DOM read, observer, storage or cookie write *by
// Reticent's code*, no storage key or cookie named reticent*, no request to the endpoint.
//
// The checks are functions returning a list of problems; the last suite runs them against
// deliberately broken adapters and asserts they do report problems: the tests can fail.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { decodeMsgpack } from './lib/msgpack.mjs';
import { INSTRUMENT_ATTRIBUTED } from './lib/instrument-attributed.mjs';
import { REPO_ROOT } from './lib/paths.mjs';

const NODE_MODULES = join(REPO_ROOT, 'tests', 'node_modules');
const LATE_MS = 1000;

// ---------------------------------------------------------------------------------------
// The libraries: how to put each on a page, and how a visitor uses its real UI.
// `scripts`: the library's files (in order); `init`: inline code run after them;
// `module`: `init` is an ES module. `accept`/`reject`/`withdraw` click the CMP's own buttons.

/** IAB TCF: a minimal CMP on the real @iabtcf/cmpapi, storing its TC string in `euconsent-v2`. */
const TCF_CMP = `
import { CmpApi } from '/vendor/@iabtcf/cmpapi/lib/mjs/index.js';
import { GVL, TCModel, TCString } from '@iabtcf/core';
const VENDOR_ID = 1234;
const text = (id, name) => ({ id, name, description: name, illustrations: [] });
const purposes = {};
for (let i = 1; i <= 11; i++) purposes[i] = text(i, 'Purpose ' + i);
// A minimal Global Vendor List, built here: nothing is fetched.
const gvl = new GVL({
  gvlSpecificationVersion: 3, vendorListVersion: 1, tcfPolicyVersion: 4, lastUpdated: '2026-01-01T00:00:00Z',
  purposes, specialPurposes: { 1: text(1, 'Security'), 2: text(2, 'Delivery') }, features: {}, specialFeatures: {},
  stacks: {}, dataCategories: {},
  vendors: { [VENDOR_ID]: { id: VENDOR_ID, name: 'Reticent test vendor', purposes: [1, 8], legIntPurposes: [],
    flexiblePurposes: [], specialPurposes: [], features: [], specialFeatures: [], cookieMaxAgeSeconds: 0,
    usesCookies: false, usesNonCookieAccess: false, dataRetention: { stdRetention: 30 }, urls: [], dataDeclaration: [] } },
});
const cmpApi = new CmpApi(2, 1, true);
function encode(consent) {
  const m = new TCModel(gvl);
  m.cmpId = 2; m.cmpVersion = 1; m.isServiceSpecific = true; m.publisherCountryCode = 'FR';
  if (consent) { m.purposeConsents.set([1, 8]); m.publisherConsents.set([1, 8]); m.vendorConsents.set(VENDOR_ID); }
  return TCString.encode(m);
}
const COOKIE = 'euconsent-v2';
const stored = (document.cookie.split('; ').find((c) => c.startsWith(COOKIE + '=')) || '').slice(COOKIE.length + 1);
let current = stored;
const banner = document.createElement('div');
banner.id = 'tcf-banner';
banner.innerHTML = '<p>We and our partner use your data.</p><button id="tcf-accept">Accept all</button><button id="tcf-reject">Reject all</button>';
const manage = document.createElement('button');
manage.id = 'tcf-manage';
manage.textContent = 'Privacy settings';
document.body.append(banner, manage);
function save(consent) {
  current = encode(consent);
  document.cookie = COOKIE + '=' + current + '; path=/; SameSite=Lax';
  banner.hidden = true;
  cmpApi.update(current, false); // useractioncomplete
}
banner.querySelector('#tcf-accept').onclick = () => save(true);
banner.querySelector('#tcf-reject').onclick = () => save(false);
manage.onclick = () => { banner.hidden = false; cmpApi.update(current, true); };
if (stored) { banner.hidden = true; cmpApi.update(stored, false); } // tcloaded
else cmpApi.update('', true); // cmpuishown
window.__cmpReady = true;
`;

const TARTEAUCITRON_INIT = `
// tarteaucitron wires its buttons 500 ms after rendering them, then calls events.load.
tarteaucitron.events.load = function () { window.__cmpReady = true; };
tarteaucitron.init({
  privacyUrl: '', bodyPosition: 'bottom', hashtag: '#tarteaucitron', cookieName: 'tarteaucitron',
  orientation: 'middle', groupServices: false, serviceDefaultState: 'wait', showAlertSmall: false,
  cookieslist: false, showIcon: true, iconPosition: 'BottomRight', adblocker: false,
  DenyAllCta: true, AcceptAllCta: true, highPrivacy: true, alwaysNeedConsent: false,
  handleBrowserDNTRequest: false, removeCredit: true, moreInfoLink: true,
  useExternalCss: false, useExternalJs: false, readmoreLink: '', mandatory: true, mandatoryCta: true,
  googleConsentMode: false, bingConsentMode: false, pianoConsentMode: false, dataLayer: false, partnersList: false
});
`;

const KLARO_CONFIG = `
window.__klaroCallbacks = [];
window.klaroConfig = {
  version: 1, elementID: 'klaro', storageMethod: 'cookie', storageName: 'klaro', htmlTexts: false,
  default: false, mustConsent: false, acceptAll: true, hideDeclineAll: false, groupByPurpose: false,
  translations: { zz: { privacyPolicyUrl: '/privacy' }, en: { purposes: { analytics: 'Analytics' } } },
  services: [{
    name: 'reticent', title: 'Reticent (session replay)', purposes: ['analytics'], cookies: [],
    required: false, optOut: false, default: false, onlyOnce: false,
    // Klaro calls this with false at start-up, before any choice: Reticent does not rely on it.
    callback: function (consent) { window.__klaroCallbacks.push(consent); },
  }],
};
`;

const COOKIECONSENT_INIT = `
// run() needs document.body: the library's own docs load the config as a (deferred) module.
function runCookieConsent() {
CookieConsent.run({
  // CookieConsent's default hideFromBots: true makes it do nothing when navigator.webdriver
  // is set, as under Playwright: no banner, no consent, and a gated recorder would "pass"
  // for the wrong reason. Real visitors are not bots, so the tests turn it off.
  hideFromBots: false,
  categories: {
    necessary: { enabled: true, readOnly: true },
    analytics: { services: { reticent: { label: 'Reticent (session replay)' } } },
  },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: { title: 'Cookies', description: 'We would like to record how you use this site.',
          acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all', showPreferencesBtn: 'Manage preferences' },
        preferencesModal: { title: 'Preferences', acceptAllBtn: 'Accept all', acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save preferences', closeIconLabel: 'Close',
          sections: [{ title: 'Session replay', description: 'Reticent', linkedCategory: 'analytics' }] },
      },
    },
  },
});
window.__cmpReady = true;
}
if (document.body) runCookieConsent();
else document.addEventListener('DOMContentLoaded', runCookieConsent);
`;

const LIBS = [
  {
    name: 'IAB TCF v2.2 (@iabtcf/cmpapi + core + stub)',
    key: 'tcf',
    consent: { cmp: 'tcf', purposes: [1, 8] },
    head: '<script type="importmap">{"imports":{"@iabtcf/core":"/vendor/@iabtcf/core/lib/mjs/index.js"}}</script>',
    scripts: ['/vendor/@iabtcf/stub/lib/stub.js'],
    init: TCF_CMP,
    module: true,
    banner: '#tcf-banner',
    accept: (p) => p.click('#tcf-accept'),
    reject: (p) => p.click('#tcf-reject'),
    withdraw: async (p) => {
      await p.click('#tcf-manage');
      await p.click('#tcf-reject');
    },
  },
  {
    name: 'tarteaucitron (tarteaucitronjs)',
    key: 'tarteaucitron',
    consent: { cmp: 'tarteaucitron', readmoreLink: '/privacy#replay' },
    scripts: ['/vendor/tarteaucitronjs/tarteaucitron.js'],
    init: TARTEAUCITRON_INIT,
    // Reticent registers its service once its WebAssembly module is loaded, which can be
    // after tarteaucitron shows its banner: a visitor answering before that answers for the
    // other services only (and is asked again on the next page). Wait like a reader would.
    ready: () => window.__cmpReady === true && document.getElementById('reticentLine') !== null,
    // For the broken stand-ins (consent: 'manual'), which register no service: without one,
    // tarteaucitron shows no banner at all. A look-alike service keeps the same UI.
    brokenExtra: `tarteaucitron.services.reticent = { key: 'reticent', type: 'analytic', name: 'Reticent', needConsent: true,
      cookies: [], js: function () {}, fallback: function () {} }; tarteaucitron.job = tarteaucitron.job || []; tarteaucitron.job.push('reticent');`,
    banner: '#tarteaucitronAlertBig',
    accept: (p) => p.click('#tarteaucitronPersonalize2'),
    reject: (p) => p.click('#tarteaucitronAllDenied2'),
    // From the control panel; tarteaucitron then only plans a reload (the panel is left open).
    withdraw: async (p) => {
      await p.click('#tarteaucitronManager');
      await p.click('#tarteaucitronAllDenied');
    },
  },
  {
    name: 'Klaro (klaro)',
    key: 'klaro',
    consent: { cmp: 'klaro', service: 'reticent' },
    scripts: ['/vendor/klaro/dist/klaro.js'],
    preScript: KLARO_CONFIG,
    init: 'window.__cmpReady = true;',
    banner: '.cookie-notice',
    accept: (p) => p.click('.cookie-notice .cm-btn-success'),
    reject: (p) => p.click('.cookie-notice .cn-decline'),
    // The settings modal: switch Reticent off, then save.
    withdraw: async (p) => {
      await p.evaluate(() => window.klaro.show(undefined, true));
      await p.click('label[for="service-item-reticent"]');
      await p.click('.cm-modal .cm-btn-accept');
    },
  },
  {
    name: 'CookieConsent v3 (vanilla-cookieconsent)',
    key: 'cookieconsent',
    consent: { cmp: 'cookieconsent', category: 'analytics', service: 'reticent' },
    head: '<link rel="stylesheet" href="/vendor/vanilla-cookieconsent/dist/cookieconsent.css">',
    scripts: ['/vendor/vanilla-cookieconsent/dist/cookieconsent.umd.js'],
    init: COOKIECONSENT_INIT,
    banner: '#cc-main .cm',
    accept: (p) => p.click('#cc-main .cm [data-role="all"]'),
    reject: (p) => p.click('#cc-main .cm [data-role="necessary"]'),
    withdraw: async (p) => {
      await p.evaluate(() => window.CookieConsent.showPreferences());
      await p.click('#cc-main .pm [data-role="necessary"]');
    },
  },
];

/** `<script>` tags for the CMP, or a loader that inserts them `LATE_MS` after Reticent's. */
function cmpTags(lib, late) {
  const initTag = (code) => (lib.module ? `<script type="module">${code}</script>` : `<script>${code}</script>`);
  const pre = lib.preScript ? `<script>${lib.preScript}</script>` : '';
  if (!late) return pre + lib.scripts.map((s) => `<script src="${s}"></script>`).join('') + initTag(lib.init);
  return `${pre}<script>
setTimeout(function () {
  var srcs = ${JSON.stringify(lib.scripts)}, i = 0;
  (function next() {
    if (i === srcs.length) {
      var s = document.createElement('script');
      ${lib.module ? "s.type = 'module';" : ''}
      s.textContent = ${JSON.stringify(lib.init)};
      document.head.appendChild(s);
      return;
    }
    var e = document.createElement('script');
    e.src = srcs[i++];
    e.onload = next;
    document.head.appendChild(e);
  })();
}, ${LATE_MS});
</script>`;
}

/**
 * A page: the CMP (before Reticent, or late), Reticent, some content. `reticent` replaces
 * the init code (for the broken adapters); `wrapper` runs before everything.
 */
function page(lib, { late = false, reticent, wrapper = '' } = {}) {
  const init =
    reticent ??
    `window.__boot = Reticent.init({ endpoint: location.origin + '/ingest', flushInterval: 500, consent: ${JSON.stringify(lib.consent)} })
      .then(function (r) { window.recorder = r; }, function (e) { window.__initError = String(e && e.code); });`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Real CMP: ${lib.key}</title>${lib.head ?? ''}
${wrapper ? `<script>${wrapper}</script>` : ''}
${late ? '' : cmpTags(lib, false)}
</head>
<body>
<h1>Welcome CANARYREALCMP</h1>
<p id="p">Some text to record.</p>
<script src="/reticent.js"></script>
<script>${init}</script>
${late ? cmpTags(lib, true) : ''}
</body></html>`;
}

// ---------------------------------------------------------------------------------------
// Harness

let server;
let browser;
before(async () => {
  server = await startServer({ staticDirs: { '/vendor/': NODE_MODULES } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Event types in the given ingest requests. */
function eventTypes(ingests) {
  const types = [];
  for (const r of ingests) for (const e of decodeMsgpack(gunzipSync(r.body)).events) types.push(e.type);
  return types;
}

let pageNo = 0;
/**
 * Opens `html` in a new browser context with the attributed instrumentation. `reload()`
 * loads the page again in the same context (the CMP's cookies and storage persist) and
 * resets the ingest window and the counters (the init script runs again).
 */
async function open(html) {
  const path = `/real-cmp-${++pageNo}.html`;
  server.setPage(path, html);
  const context = await browser.newContext();
  const p = await context.newPage();
  p.setDefaultTimeout(15_000);
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  // Everything must come from the test server: the libraries are served from tests/node_modules.
  const external = [];
  p.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(server.origin + '/') && !/^(data|blob|about):/.test(u)) external.push(u);
  });
  await p.addInitScript(INSTRUMENT_ATTRIBUTED);
  let from = 0;
  const t = {
    page: p,
    errors,
    external,
    ingests: () => server.ingests().slice(from).filter((r) => r.method === 'POST'),
    counts: () => p.evaluate(() => window.__counts),
    async load() {
      from = server.ingests().length;
      await p.goto(server.url(path));
      await p.evaluate(() => window.__boot);
      assert.equal(await p.evaluate(() => window.__initError), undefined, 'Reticent.init succeeded');
    },
    close: () => context.close(),
  };
  await t.load();
  return t;
}

/** Waits (plainly polling: no observer of ours on the page) until the CMP has run. */
async function cmpReady(t, lib) {
  const ready = lib.ready ?? (() => window.__cmpReady === true);
  for (let i = 0; i < 150; i++) {
    if (await t.page.evaluate(ready)) return;
    await sleep(100);
  }
  throw new Error('the CMP never loaded');
}

// ---------------------------------------------------------------------------------------
// Checks: each returns a list of problems (empty = fine), so that the broken-adapter suite
// can assert that they do find problems.

/** Everything the recorder must not have done (yet): request, DOM read, observer, storage, cookie. */
async function inertProblems(t, label) {
  const c = await t.counts();
  const problems = [];
  const n = t.ingests().length;
  if (n) problems.push(`${label}: ${n} request(s) to the endpoint`);
  for (const [field, what] of [
    ['domReads', 'DOM read(s)'],
    ['observers', 'MutationObserver(s)'],
    ['storageWrites', 'storage write(s)'],
    ['cookieWrites', 'cookie write(s)'],
  ]) {
    if (c.recorder[field]) problems.push(`${label}: ${c.recorder[field]} ${what} by the recorder`);
  }
  const mine = c.storage.filter((w) => /reticent/i.test(String(w.key)) || w.byRecorder);
  if (mine.length) problems.push(`${label}: storage written for Reticent: ${JSON.stringify(mine)}`);
  const cookies = c.cookies.filter((w) => /reticent/i.test(w.name) || w.byRecorder);
  if (cookies.length) problems.push(`${label}: cookie written for Reticent: ${JSON.stringify(cookies)}`);
  const session = await t.page.evaluate(() => sessionStorage.getItem('reticent.session'));
  if (session !== null) problems.push(`${label}: sessionStorage 'reticent.session' is set`);
  return problems;
}

/** A FullSnapshot must arrive, and the instrumentation must see the recorder at work. */
async function recordingProblems(t, label) {
  // Generous: a loaded 2-core machine can take seconds to load the page, the CMP and the module.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !eventTypes(t.ingests()).includes(2)) await sleep(100);
  if (!eventTypes(t.ingests()).includes(2)) {
    const c = await t.counts();
    const session = await t.page.evaluate(() => sessionStorage.getItem('reticent.session'));
    return [`${label}: no FullSnapshot arrived (${t.ingests().length} request(s); recorder: ${JSON.stringify(c.recorder)}; session: ${session})`];
  }
  const c = await t.counts();
  if (c.recorder.domReads === 0) return [`${label}: the instrumentation saw no read by the recorder (attribution broken?)`];
  return [];
}

/** Withdraws through the CMP's UI, changes the page and asks to flush: nothing may leave. */
async function withdrawalProblems(t, lib, label) {
  await lib.withdraw(t.page);
  await sleep(300);
  const sent = t.ingests().length;
  await t.page.evaluate(() => {
    for (let i = 0; i < 20; i++) document.body.appendChild(document.createElement('div')).textContent = 'after ' + i;
    return window.recorder && window.recorder.flush();
  });
  await sleep(1500);
  const problems = [];
  const more = t.ingests().length - sent;
  if (more) problems.push(`${label}: ${more} request(s) after the withdrawal`);
  if ((await t.page.evaluate(() => sessionStorage.getItem('reticent.session'))) !== null) {
    problems.push(`${label}: the session id survived the withdrawal`);
  }
  return problems;
}

async function bannerVisible(t, lib) {
  await t.page.waitForSelector(lib.banner, { state: 'visible' });
}

// ---------------------------------------------------------------------------------------
// The real libraries

for (const lib of LIBS) {
  describe(`real CMP: ${lib.name}`, () => {
    it('fresh visitor: banner shown, nothing recorded; accept: a full snapshot; withdrawal: not one more byte', async () => {
      const t = await open(page(lib));
      try {
        await cmpReady(t, lib);
        await bannerVisible(t, lib);
        await sleep(1200);
        assert.deepEqual(await inertProblems(t, 'banner shown, no choice'), []);
        const before = await t.counts();
        assert.ok(before.other.domReads > 0, 'the attribution sees the CMP read the DOM (and does not blame the recorder)');
        if (lib.key === 'klaro') {
          assert.deepEqual(await t.page.evaluate(() => window.__klaroCallbacks), [false], 'Klaro called back false at start-up');
          // A switch flipped in the settings but not saved is no consent.
          await t.page.click('.cookie-notice .cn-learn-more');
          await t.page.waitForSelector('.cm-modal', { state: 'visible' });
          await t.page.click('label[for="service-item-reticent"]');
          assert.equal(await t.page.evaluate(() => window.klaro.getManager().getConsent('reticent')), true);
          await sleep(1000);
          assert.deepEqual(await inertProblems(t, 'Klaro switch flipped, not saved'), []);
          await t.page.click('.cm-modal .cm-btn-accept');
          // Klaro applied the saved choice (else a failure below would be Klaro's UI, not Reticent).
          const klaroState = () => t.page.evaluate(() => {
            const m = window.klaro.getManager();
            return { confirmed: m.confirmed, applied: m.states.reticent };
          });
          for (let i = 0; i < 50 && !(await klaroState()).applied; i++) await sleep(100);
          assert.deepEqual(await klaroState(), { confirmed: true, applied: true });
        } else {
          await lib.accept(t.page);
        }
        assert.deepEqual(await recordingProblems(t, 'after accept'), []);
        assert.deepEqual(await withdrawalProblems(t, lib, 'withdrawn'), []);
        assert.deepEqual(t.errors, []);
        assert.deepEqual(t.external, [], 'a request left the test server');
      } finally {
        await t.close();
      }
    });

    it('reject: nothing recorded; returning visitor with the stored refusal: nothing recorded', async () => {
      const t = await open(page(lib));
      try {
        await cmpReady(t, lib);
        await bannerVisible(t, lib);
        await lib.reject(t.page);
        await sleep(1200);
        assert.deepEqual(await inertProblems(t, 'rejected'), []);
        await t.load();
        await cmpReady(t, lib);
        await sleep(1500);
        assert.equal(await t.page.isVisible(lib.banner), false, 'the stored choice: no banner');
        assert.deepEqual(await inertProblems(t, 'returning visitor, stored refusal'), []);
        assert.deepEqual(t.errors, []);
      } finally {
        await t.close();
      }
    });

    it('returning visitor with a stored grant: recorded without any action', async () => {
      const t = await open(page(lib));
      try {
        await cmpReady(t, lib);
        await bannerVisible(t, lib);
        await lib.accept(t.page);
        assert.deepEqual(await recordingProblems(t, 'first visit, accepted'), []);
        await t.load();
        await cmpReady(t, lib);
        assert.deepEqual(await recordingProblems(t, 'returning visitor, stored grant'), []);
        assert.equal(await t.page.isVisible(lib.banner), false, 'the stored choice: no banner');
        assert.deepEqual(t.errors, []);
      } finally {
        await t.close();
      }
    });

    it('CMP loading after Reticent: inert until it loads and the visitor accepts', async () => {
      const t = await open(page(lib, { late: true }));
      try {
        await sleep(LATE_MS / 2);
        assert.equal(await t.page.evaluate(() => window.__cmpReady === true), false, 'the CMP is not there yet');
        assert.deepEqual(await inertProblems(t, 'before the CMP loads'), []);
        await cmpReady(t, lib);
        await bannerVisible(t, lib);
        await sleep(800);
        assert.deepEqual(await inertProblems(t, 'late CMP loaded, no choice'), []);
        await lib.accept(t.page);
        assert.deepEqual(await recordingProblems(t, 'late CMP, accepted'), []);
        assert.deepEqual(t.errors, []);
      } finally {
        await t.close();
      }
    });
  });
}

describe('IAB TCF with Reticent as a GVL vendor (vendorId 1234 of the page\'s vendor list)', () => {
  const tcf = LIBS.find((l) => l.key === 'tcf');
  const lib = { ...tcf, consent: { cmp: 'tcf', purposes: [1, 8], vendorId: 1234 } };
  it('accept records (vendor consent in the TC string), a later reject stops, the stored refusal is honoured', async () => {
    const t = await open(page(lib));
    try {
      await cmpReady(t, lib);
      await bannerVisible(t, lib);
      await sleep(800);
      assert.deepEqual(await inertProblems(t, 'banner shown'), []);
      await lib.accept(t.page);
      assert.deepEqual(await recordingProblems(t, 'vendor consent'), []);
      assert.deepEqual(await withdrawalProblems(t, lib, 'vendor consent withdrawn'), []);
      await t.load();
      await cmpReady(t, lib);
      await sleep(1200);
      assert.deepEqual(await inertProblems(t, 'returning visitor, stored refusal'), []);
      assert.deepEqual(t.errors, []);
    } finally {
      await t.close();
    }
  });
});

describe('CookieConsent with its default hideFromBots under automation', () => {
  it('does nothing at all (why the tests set hideFromBots: false): no banner, no consent, nothing recorded', async () => {
    const lib = LIBS.find((l) => l.key === 'cookieconsent');
    const t = await open(page({ ...lib, init: COOKIECONSENT_INIT.replace('hideFromBots: false,', '') }));
    try {
      await cmpReady(t, lib);
      await sleep(1200);
      assert.equal(await t.page.evaluate(() => navigator.webdriver), true);
      assert.equal(await t.page.isVisible(lib.banner), false, 'no banner for a "bot"');
      assert.deepEqual(await inertProblems(t, 'hideFromBots'), []);
    } finally {
      await t.close();
    }
  });
});

// ---------------------------------------------------------------------------------------
// The checks can fail: deliberately broken adapters, the same checks, problems expected.

/**
 * Stand-ins for broken adapters, with the real CMP on the page. Reticent runs with
 * `consent: 'manual'` and the page plays a broken adapter: 'grants-at-once' reports granted
 * without waiting for the CMP; 'ignores-withdrawal' reports the visitor's accept but never
 * a withdrawal.
 */
function brokenInit(kind, lib) {
  return `${lib.brokenExtra ? `(function wait() { if (window.tarteaucitron) { ${lib.brokenExtra} } else setTimeout(wait, 50); })();` : ''}
  window.__boot = Reticent.init({ endpoint: location.origin + '/ingest', flushInterval: 500, consent: 'manual' })
  .then(function (r) { window.recorder = r; ${kind === 'grants-at-once' ? 'r.grantConsent();' : ''} },
        function (e) { window.__initError = String(e && e.code); });`;
}

describe('the checks detect broken adapters', () => {
  for (const lib of LIBS) {
    it(`${lib.key}: an adapter granting before any choice is caught recording before consent`, async () => {
      const t = await open(page(lib, { reticent: brokenInit('grants-at-once', lib) }));
      try {
        await cmpReady(t, lib);
        await bannerVisible(t, lib);
        await sleep(1500);
        const problems = await inertProblems(t, 'broken: grants at once');
        assert.ok(problems.some((p) => /request\(s\) to the endpoint/.test(p)), problems.join('\n'));
        assert.ok(problems.some((p) => /DOM read\(s\) by the recorder/.test(p)), problems.join('\n'));
        assert.ok(problems.some((p) => /reticent\.session/.test(p)), problems.join('\n'));
      } finally {
        await t.close();
      }
    });

    it(`${lib.key}: an adapter ignoring withdrawal is caught sending after it`, async () => {
      const t = await open(page(lib, { reticent: brokenInit('ignores-withdrawal', lib) }));
      try {
        await cmpReady(t, lib);
        await bannerVisible(t, lib);
        await lib.accept(t.page);
        await t.page.evaluate(() => window.recorder.grantConsent()); // the broken adapter hears the accept
        assert.deepEqual(await recordingProblems(t, 'broken: accepted'), []);
        const problems = await withdrawalProblems(t, lib, 'broken: ignores withdrawal');
        assert.ok(problems.some((p) => /after the withdrawal/.test(p)), problems.join('\n'));
      } finally {
        await t.close();
      }
    });
  }

  it('tarteaucitron: the real adapter, deaf to the withdrawal events, is caught sending after withdrawal', async () => {
    const lib = LIBS.find((l) => l.key === 'tarteaucitron');
    // Capture listeners on window swallow the events before they reach the adapter's listeners
    // on document (it hears a withdrawal twice: reticent_disallowed and tac.consent_updated).
    const wrapper = `['reticent_disallowed', 'tac.consent_updated'].forEach(function (name) {
      window.addEventListener(name, function (e) { e.stopImmediatePropagation(); }, true);
    });`;
    const t = await open(page(lib, { wrapper }));
    try {
      await cmpReady(t, lib);
      await bannerVisible(t, lib);
      await lib.accept(t.page);
      assert.deepEqual(await recordingProblems(t, 'accepted'), []);
      const problems = await withdrawalProblems(t, lib, 'withdrawal not heard');
      assert.ok(problems.some((p) => /after the withdrawal/.test(p)), problems.join('\n'));
    } finally {
      await t.close();
    }
  });

  it('CookieConsent: the real adapter, fed a CookieConsent that always says yes, is caught recording before consent', async () => {
    const lib = LIBS.find((l) => l.key === 'cookieconsent');
    // Wraps the real global as soon as it is defined: every consent query answers true.
    const wrapper = `(function () {
      var real;
      Object.defineProperty(window, 'CookieConsent', { configurable: true,
        get: function () { return real && Object.assign({}, real, {
          validConsent: function () { return true; },
          acceptedCategory: function () { return true; },
          acceptedService: function () { return true; } }); },
        set: function (v) { real = v; } });
    })();`;
    const t = await open(page(lib, { wrapper }));
    try {
      await cmpReady(t, lib);
      await bannerVisible(t, lib);
      await sleep(1500);
      const problems = await inertProblems(t, 'broken: CookieConsent always yes');
      assert.ok(problems.some((p) => /request\(s\) to the endpoint/.test(p)), problems.join('\n'));
    } finally {
      await t.close();
    }
  });
});
