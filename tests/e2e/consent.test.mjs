// Consent, end to end in headless Chromium, for every adapter against a stand-in of its
// CMP's documented API (tests/e2e/lib/cmp-stubs.mjs):
//   - before consent: no request to the endpoint, no storage or cookie write, no DOM read,
//     no MutationObserver — counted by instrumentation installed before Reticent loads;
//   - after the visitor accepts: a full snapshot arrives;
//   - after the visitor withdraws: not one more byte, even when the page changes and asks to flush;
//   - a returning visitor with a stored choice is honoured without any action;
//   - a CMP that loads after Reticent works;
//   - the unknown state (banner shown and ignored, CMP absent, CMP broken) records nothing.
// The instrumentation is shown to work: after consent it does count the recorder's reads.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { decodeMsgpack } from './lib/msgpack.mjs';
import { INSTRUMENT } from './lib/instrument.mjs';
import * as stubs from './lib/cmp-stubs.mjs';

/** Each adapter: the `consent` option and its stub. */
const ADAPTERS = [
  { name: 'tcf', consent: { cmp: 'tcf', purposes: [1, 8] }, stub: stubs.tcf },
  { name: 'google-consent-mode', consent: 'google-consent-mode', stub: stubs.googleConsentMode },
  { name: 'didomi', consent: { cmp: 'didomi', vendorId: 'c:reticent' }, stub: stubs.didomi },
  { name: 'axeptio', consent: { cmp: 'axeptio', vendor: 'reticent' }, stub: stubs.axeptio },
  { name: 'tarteaucitron', consent: 'tarteaucitron', stub: stubs.tarteaucitron },
  { name: 'cookiebot', consent: 'cookiebot', stub: stubs.cookiebot },
  { name: 'onetrust', consent: { cmp: 'onetrust', groupId: 'C0002' }, stub: stubs.oneTrust },
  { name: 'usercentrics', consent: { cmp: 'usercentrics', service: 'Reticent' }, stub: stubs.usercentrics },
];

/** A page: the CMP stub (before or after Reticent), Reticent, and a little content. */
function page({ consent, stubSource = '', stubAfter = false, extraOptions = {} }) {
  const init = JSON.stringify({ consent, flushInterval: 500, ...extraOptions });
  const stub = stubSource ? `<script>${stubSource}</script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Consent test</title>${stubAfter ? '' : stub}</head>
<body>
<h1>Welcome CANARYCONSENT</h1>
<p id="p">Some text.</p>
<script src="/reticent.js"></script>
<script>
  window.__boot = Reticent.init(Object.assign({ endpoint: location.origin + '/ingest' }, ${init}))
    .then(function (r) { window.recorder = r; }, function (e) { window.__initError = String(e && e.code); });
</script>
${stubAfter ? stub : ''}
</body></html>`;
}

/** Event types in the batches received so far. */
function eventTypes(ingests) {
  const types = [];
  for (const r of ingests) {
    const batch = decodeMsgpack(gunzipSync(r.body));
    for (const e of batch.events) types.push(e.type);
  }
  return types;
}

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

let pageNo = 0;
/** Opens `html` in a fresh context with the instrumentation; returns helpers. */
async function open(html, { gpc = false } = {}) {
  const path = `/consent-${++pageNo}.html`;
  server.setPage(path, html);
  const context = await browser.newContext();
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  if (gpc) await p.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  await p.addInitScript(INSTRUMENT);
  await p.addInitScript(() => {
    window.addEventListener('error', (e) => (window.__pageErrors = (window.__pageErrors || 0) + 1));
    window.addEventListener('unhandledrejection', () => (window.__pageErrors = (window.__pageErrors || 0) + 1));
  });
  const before = server.ingests().length;
  await p.goto(server.url(path));
  await p.evaluate(() => window.__boot);
  const initError = await p.evaluate(() => window.__initError);
  assert.equal(initError, undefined, 'init succeeded');
  return {
    page: p,
    ingests: () => server.ingests().slice(before).filter((r) => r.url.includes('/ingest') && r.method === 'POST'),
    counts: () => p.evaluate(() => ({ ...window.__counts, pageErrors: window.__pageErrors || 0 })),
    cmp: (action) => p.evaluate((a) => window.__cmp[a](), action),
    errors,
    close: () => context.close(),
  };
}

/** Asserts the recorder has done nothing at all. */
async function assertInert(t, label) {
  const c = await t.counts();
  assert.equal(t.ingests().length, 0, `${label}: no request`);
  assert.equal(c.domReads, 0, `${label}: no DOM read`);
  assert.equal(c.observers, 0, `${label}: no MutationObserver`);
  assert.equal(c.storageWrites, 0, `${label}: no storage write`);
  assert.equal(c.cookieWrites, 0, `${label}: no cookie write`);
}

async function waitForSnapshot(t, label) {
  // Generous: a loaded 2-core machine can take seconds to load the page, the CMP and the module.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (eventTypes(t.ingests()).includes(2)) return;
    await sleep(100);
  }
  assert.fail(`${label}: no FullSnapshot arrived`);
}

/** Withdraws through the CMP, then changes the page and asks to flush: nothing may leave. */
async function assertWithdrawalStops(t, label) {
  await t.cmp('reject');
  await sleep(300);
  const sent = t.ingests().length;
  await t.page.evaluate(() => {
    for (let i = 0; i < 20; i++) document.body.appendChild(document.createElement('div')).textContent = 'after ' + i;
    return window.recorder.flush();
  });
  await sleep(1500);
  assert.equal(t.ingests().length, sent, `${label}: nothing sent after withdrawal`);
}

for (const a of ADAPTERS) {
  describe(`consent adapter '${a.name}'`, () => {
    it('fresh visitor: inert until accepted, records after, stops at withdrawal', async () => {
      const t = await open(page({ consent: a.consent, stubSource: a.stub({ stored: null }) }));
      try {
        await sleep(1200);
        await assertInert(t, 'banner shown, no choice');
        await t.cmp('accept');
        await waitForSnapshot(t, 'after accept');
        const c = await t.counts();
        assert.ok(c.domReads > 0, 'the instrumentation sees the recorder read the page once allowed');
        await assertWithdrawalStops(t, 'withdrawn');
        assert.equal((await t.counts()).pageErrors, 0, 'no error reached the page');
        assert.deepEqual(t.errors, []);
      } finally {
        await t.close();
      }
    });

    it('returning visitor with a stored grant: records without any action', async () => {
      const t = await open(page({ consent: a.consent, stubSource: a.stub({ stored: 'granted' }) }));
      try {
        await waitForSnapshot(t, 'stored grant');
      } finally {
        await t.close();
      }
    });

    it('returning visitor with a stored refusal: records nothing', async () => {
      const t = await open(page({ consent: a.consent, stubSource: a.stub({ stored: 'denied' }) }));
      try {
        await sleep(1200);
        await assertInert(t, 'stored refusal');
      } finally {
        await t.close();
      }
    });

    it('CMP loading after Reticent: inert until it loads and the visitor accepts', async () => {
      const t = await open(page({ consent: a.consent, stubSource: a.stub({ stored: null, lateMs: 1000 }), stubAfter: true }));
      try {
        await sleep(600);
        await assertInert(t, 'before the CMP loads');
        // A plain poll: page.waitForFunction may observe the DOM itself, which the
        // instrumentation would count against the recorder.
        for (let i = 0; i < 100 && !(await t.page.evaluate(() => Boolean(window.__cmp && window.__cmp.loaded))); i++) await sleep(100);
        await sleep(300);
        await assertInert(t, 'CMP loaded, no choice');
        await t.cmp('accept');
        await waitForSnapshot(t, 'late CMP, accepted');
      } finally {
        await t.close();
      }
    });
  });
}

describe('the unknown state records nothing', () => {
  it('CMP absent', async () => {
    const t = await open(page({ consent: 'tcf' }));
    try {
      await sleep(2000);
      await assertInert(t, 'no CMP on the page');
    } finally {
      await t.close();
    }
  });

  it('CMP broken (every TCF callback reports failure)', async () => {
    const t = await open(page({ consent: 'tcf', stubSource: stubs.tcfBroken() }));
    try {
      await sleep(1500);
      await assertInert(t, 'broken CMP');
      assert.equal((await t.counts()).pageErrors, 0);
    } finally {
      await t.close();
    }
  });

  it('manual consent never given', async () => {
    const t = await open(page({ consent: 'manual' }));
    try {
      await sleep(1500);
      await assertInert(t, 'manual, no grant');
      await t.page.evaluate(() => window.recorder.grantConsent());
      await waitForSnapshot(t, 'manual grant');
      await t.page.evaluate(() => window.recorder.withdrawConsent());
      await sleep(300);
      const sent = t.ingests().length;
      await t.page.evaluate(() => { document.body.append('more'); return window.recorder.flush(); });
      await sleep(1200);
      assert.equal(t.ingests().length, sent, 'nothing after manual withdrawal');
    } finally {
      await t.close();
    }
  });

  it('Global Privacy Control: never recorded, even with consent', async () => {
    const t = await open(page({ consent: 'cookiebot', stubSource: stubs.cookiebot({ stored: 'granted' }) }), { gpc: true });
    try {
      await sleep(1500);
      await assertInert(t, 'GPC with a stored grant');
    } finally {
      await t.close();
    }
  });

  it('Global Privacy Control can be turned off by the site', async () => {
    const t = await open(
      page({ consent: 'cookiebot', stubSource: stubs.cookiebot({ stored: 'granted' }), extraOptions: { respectGlobalPrivacyControl: false } }),
      { gpc: true },
    );
    try {
      await waitForSnapshot(t, 'GPC ignored by configuration');
    } finally {
      await t.close();
    }
  });
});
