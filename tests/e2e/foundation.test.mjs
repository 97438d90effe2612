// The foundation, end to end in headless Chromium: the script-tag build records nothing
// before consent, sends one masked, gzip'd MessagePack batch per flush after it, stops at
// withdrawal, and `reticent decode` turns what it sent into rrweb JSON.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib/server.mjs';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { decode } from './lib/decode.mjs';
import { decodeMsgpack } from './lib/msgpack.mjs';
import { distFile } from './lib/paths.mjs';

const CONTENT_TYPE = 'application/vnd.reticent.batch+msgpack';

// Raw page content that must never leave the browser, whatever the channel.
const CANARIES = {
  body: 'CANARYBODYTEXT',
  title: 'CANARYTITLE',
  query: 'CANARYQ',
  valueAttr: 'CANARYVALUEATTR',
  typedBefore: 'CANARYTYPEDBEFORE',
  typedAfter: 'CANARYTYPEDAFTER',
  password: 'CANARYPASSWORD',
  afterWithdraw: 'CANARYAFTERWITHDRAW',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Account ${CANARIES.title}</title>
</head>
<body>
<header><h1>Hello ${CANARIES.body}</h1></header>
<main>
  <p>Your order ${CANARIES.body} ships tomorrow.</p>
  <form id="f" onsubmit="return false">
    <label>Name <input id="name" name="name" type="text"></label>
    <label>City <input id="city" name="city" type="text" value="${CANARIES.valueAttr}"></label>
    <label>Password <input id="pw" name="pw" type="password"></label>
  </form>
  <table><tr><th>Item</th><td>${CANARIES.body}</td></tr></table>
  <ul id="list"></ul>
</main>
<script src="/reticent.js"></script>
<script>
  // init may return the recorder or a promise of it.
  window.__boot = Promise.resolve()
    .then(() => Reticent.init({ endpoint: location.origin + '/ingest', consent: 'manual' }))
    .then((recorder) => { window.recorder = recorder; });
</script>
</body>
</html>
`;

/** Depth-first search of an rrweb serialised node tree. */
function findNode(node, pred, depth = 0) {
  if (!node || typeof node !== 'object' || depth > 500) return null;
  if (pred(node)) return node;
  for (const child of node.childNodes ?? []) {
    const hit = findNode(child, pred, depth + 1);
    if (hit) return hit;
  }
  return null;
}

describe('foundation: script tag, consent, batch, decode', () => {
  let server;
  let browser;
  let tab;
  /** Decoded events of every batch received while consent was granted. */
  let events = [];
  /** The decompressed MessagePack bytes of every batch. */
  let rawBatches = [];
  let postsBeforeWithdraw = 0;

  const posts = () => server.posts();

  /** Checks the transport envelope of one POST and returns its decompressed bytes. */
  function checkEnvelope(req, i) {
    const ct = String(req.headers['content-type'] ?? '');
    assert.equal(ct.split(';')[0].trim(), CONTENT_TYPE, `POST #${i}: Content-Type`);
    assert.equal(req.headers['content-encoding'], undefined, `POST #${i}: the body is a gzip file, not a Content-Encoding`);
    assert.ok(req.body.length >= 2 && req.body[0] === 0x1f && req.body[1] === 0x8b, `POST #${i}: body does not start with the gzip magic 1f 8b`);
    let raw;
    assert.doesNotThrow(() => {
      raw = gunzipSync(req.body);
    }, `POST #${i}: body does not gunzip`);
    let value;
    assert.doesNotThrow(() => {
      value = decodeMsgpack(raw);
    }, `POST #${i}: decompressed body is not exactly one MessagePack value`);
    assert.ok(value && typeof value === 'object' && !Array.isArray(value), `POST #${i}: the MessagePack value is not a map`);
    return raw;
  }

  /** Flushes until a batch with a full snapshot has arrived (the first snapshot may be sliced). */
  async function flushUntilFullSnapshot() {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await tab.page.evaluate(() => /** @type {any} */ (window).recorder.flush());
      await sleep(300);
      const got = [];
      for (const p of posts()) got.push(...(await decode(p.body)));
      if (got.some((e) => e.type === 2)) return;
      if (Date.now() > deadline) {
        throw new Error(`no FullSnapshot (type 2) arrived within 30 s of grantConsent(); ${posts().length} POST(s), event types ${JSON.stringify(got.map((e) => e.type))}`);
      }
    }
  }

  before(async () => {
    distFile('reticent.js'); // fails clearly when the JS package is not built
    server = await startServer({ pages: { '/account.html': PAGE } });
    browser = await launchBrowser();
    tab = await openPage(browser);
    await tab.page.goto(server.url(`/account.html?secret=${CANARIES.query}#frag`));
    const ready = await tab.page.evaluate(async () => {
      const w = /** @type {any} */ (window);
      if (typeof w.Reticent !== 'object' || w.Reticent === null) return 'window.Reticent is not defined by /reticent.js';
      await w.__boot;
      return typeof w.recorder?.grantConsent === 'function' ? 'ok' : 'Reticent.init() did not give a recorder with grantConsent()';
    });
    assert.equal(ready, 'ok');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sends nothing and stores nothing before consent', async () => {
    const { page } = tab;
    await page.locator('#name').pressSequentially(CANARIES.typedBefore);
    await page.locator('#pw').pressSequentially(CANARIES.password);
    await page.mouse.click(20, 20);
    await page.evaluate(() => {
      const li = document.createElement('li');
      li.textContent = 'added before consent';
      document.getElementById('list')?.append(li);
    });
    await sleep(1_000);
    assert.deepEqual(server.ingests().map((r) => `${r.method} ${r.url}`), [], 'requests reached /ingest before consent');
    const storage = await page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: Object.keys(localStorage),
      cookie: document.cookie,
    }));
    assert.deepEqual(storage, { session: [], local: [], cookie: '' }, 'the recorder stored something before consent');
  });

  it('after grantConsent() + flush() POSTs gzip\'d MessagePack batches with the right Content-Type', async () => {
    const { page } = tab;
    await page.evaluate(() => /** @type {any} */ (window).recorder.grantConsent());
    await page.locator('#name').fill('');
    await page.locator('#name').pressSequentially(CANARIES.typedAfter);
    await page.locator('#pw').pressSequentially(CANARIES.password);
    await flushUntilFullSnapshot();

    const received = posts();
    assert.ok(received.length >= 1, 'no POST to /ingest after grantConsent() + flush()');
    rawBatches = received.map((r, i) => checkEnvelope(r, i));
    events = [];
    for (const p of received) events.push(...(await decode(p.body)));
    postsBeforeWithdraw = received.length;
  });

  it('`reticent decode` gives rrweb JSON: Meta with a sanitised href, FullSnapshot of the document', () => {
    assert.ok(Array.isArray(events) && events.length > 0, 'no decoded events (previous test failed?)');
    const meta = events.find((e) => e.type === 4);
    assert.ok(meta, `no Meta (type 4) event; types: ${JSON.stringify(events.map((e) => e.type))}`);
    assert.equal(typeof meta.data?.href, 'string', 'Meta data.href is not a string');
    assert.ok(!meta.data.href.includes('?'), `Meta href keeps a query string: ${meta.data.href}`);
    assert.ok(meta.data.href.startsWith(server.origin), `Meta href is not the page's origin: ${meta.data.href}`);

    const full = events.find((e) => e.type === 2);
    assert.ok(full, 'no FullSnapshot (type 2) event');
    assert.equal(full.data?.node?.type, 0, 'FullSnapshot data.node is not a document (type 0)');
    const body = findNode(full.data.node, (n) => n.type === 2 && String(n.tagName).toLowerCase() === 'body');
    assert.ok(body, 'FullSnapshot has no <body> element');
    // The structure is kept (only content is masked): an empty snapshot must not pass.
    for (const tag of ['h1', 'form', 'input', 'table']) {
      const el = findNode(body, (n) => n.type === 2 && String(n.tagName).toLowerCase() === tag);
      assert.ok(el, `FullSnapshot has no <${tag}> inside <body>`);
    }
  });

  it('no raw page content in the decoded JSON or the decompressed batches', () => {
    assert.ok(rawBatches.length > 0 && events.length > 0, 'nothing to inspect (previous test failed?)');
    const json = JSON.stringify(events);
    const leaks = [];
    for (const [where, canary] of Object.entries(CANARIES)) {
      if (json.includes(canary)) leaks.push(`${where} (${canary}) in decoded JSON`);
      rawBatches.forEach((raw, i) => {
        if (raw.includes(canary)) leaks.push(`${where} (${canary}) in decompressed batch #${i}`);
      });
    }
    assert.deepEqual(leaks, [], 'raw page content left the browser');
  });

  it('after withdrawConsent() nothing more is sent, even on flush()', async () => {
    const { page } = tab;
    assert.ok(postsBeforeWithdraw > 0, 'no batch was sent while consent was granted (previous test failed?)');
    const countBefore = posts().length;
    const flushOutcome = await page.evaluate(async () => {
      const w = /** @type {any} */ (window);
      await w.recorder.withdrawConsent();
      const li = document.createElement('li');
      li.textContent = 'added after withdrawal';
      document.getElementById('list')?.append(li);
      try {
        await w.recorder.flush();
        return 'flush resolved';
      } catch (e) {
        return `flush rejected: ${e && e.code ? e.code : e}`;
      }
    });
    await page.locator('#name').pressSequentially(CANARIES.afterWithdraw);
    await page.mouse.click(30, 30);
    await page.evaluate(async () => {
      try {
        await /** @type {any} */ (window).recorder.flush();
      } catch {
        /* a refusal is fine: what matters is that nothing is sent */
      }
    });
    await sleep(1_500);
    const countAfter = posts().length;
    assert.equal(countAfter, countBefore, `POST(s) after withdrawConsent() (${flushOutcome})`);
  });

  it('the page saw no error or unhandledrejection event', async () => {
    const errors = await tab.allErrors();
    assert.deepEqual(errors, [], `page errors (console errors: ${JSON.stringify(tab.consoleErrors)})`);
  });
});
