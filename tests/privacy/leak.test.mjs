// The privacy leak suite: a page seeded with a unique canary string in every channel a
// recorder could read (text, attributes, form values typed with a real keyboard or set by
// script, contenteditable, shadow DOM, iframes, CSS, URLs, referrer, title, PII inside
// sentences, password fields switching type) is recorded in headless Chromium through the
// script-tag build. Everything the recorder sent is decompressed, decoded and searched
// (case-insensitive) for every canary.
//
// Run 1, default options: no canary may appear anywhere.
// Run 2, an unmask allowlist: the allowlisted text and input (and only them) appear, the PII
// detectors still scrub an e-mail and a card number inside them, and never-unmaskable fields
// (password, autocomplete cc-/one-time-code, hidden, password toggled to text) stay masked
// although the allowlist targets them.
//
// Needs `cd js && npm run build` (js/dist/reticent.js) and /usr/bin/chromium.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../e2e/lib/server.mjs';
import { launchBrowser, openPage } from '../e2e/lib/browser.mjs';
import { decodeMsgpack } from '../e2e/lib/msgpack.mjs';
import { distFile } from '../e2e/lib/paths.mjs';

/** Every canary, by the vector it is planted in. Letters and digits only, all distinct. */
const C = {
  text: 'QZXTEXTPLAIN',
  textLate: 'QZXTEXTLATE',
  textMutated: 'QZXTEXTMUTATED',
  comment: 'QZXCOMMENT',
  typedKeyboard: 'QZXTYPEDKEYS',
  typedSequential: 'QZXTYPEDSEQ',
  scriptValue: 'QZXSCRIPTVALUE',
  valueAttr: 'QZXVALUEATTR',
  valueAttrLate: 'QZXVALUEATTRLATE',
  placeholder: 'QZXPLACEHOLDER',
  titleAttr: 'QZXTITLEATTR',
  ariaLabel: 'QZXARIALABEL',
  alt: 'QZXALTTEXT',
  dataAttr: 'QZXDATAATTR',
  metaContent: 'QZXMETACONTENT',
  optionText: 'QZXOPTIONTEXT',
  optionValue: 'QZXOPTIONVALUE',
  selectChosen: 'QZXSELECTCHOSEN',
  editableTrue: 'QZXEDITTRUE',
  editablePlain: 'QZXEDITPLAIN',
  editableNested: 'QZXEDITNESTED',
  textareaDefault: 'QZXTEXTAREADEFAULT',
  textareaTyped: 'QZXTEXTAREATYPED',
  shadowText: 'QZXSHADOWTEXT',
  shadowTyped: 'QZXSHADOWTYPED',
  iframeText: 'QZXIFRAMETEXT',
  iframeTyped: 'QZXIFRAMETYPED',
  srcdocText: 'QZXSRCDOCTEXT',
  cssContent: 'QZXCSSCONTENT',
  cssSelector: 'QZXCSSSELECTOR',
  cssUrl: 'QZXCSSURL',
  cssInline: 'QZXCSSINLINE',
  cssInserted: 'QZXCSSINSERTED',
  linkQuery: 'QZXLINKQUERY',
  urlQuery: 'QZXURLQUERY',
  urlFragment: 'QZXURLFRAGMENT',
  pushQuery: 'QZXPUSHQUERY',
  pushFragment: 'QZXPUSHFRAGMENT',
  hashChange: 'QZXHASHCHANGE',
  referrer: 'QZXREFERRER',
  title: 'QZXDOCTITLE',
  titleChanged: 'QZXDOCTITLECHANGED',
  emailLocal: 'qzxemaillocal',
  card: '4111111111111111',
  cardSpaced: '4111 1111 1111 1111',
  passwordBefore: 'QZXPWBEFORE',
  passwordAsText: 'QZXPWASTEXT',
  passwordAfter: 'QZXPWAFTER',
  hiddenInput: 'QZXHIDDENINPUT',
  ccTyped: '5555555555554444',
  otpTyped: 'QZXOTPTYPED',
  svgText: 'QZXSVGTEXT',
  noscript: 'QZXNOSCRIPT',
  buttonText: 'QZXBUTTONTEXT',
};

/** The allowlisted content of run 2 (appears only there). */
const ALLOWED = {
  text: 'ALLOWEDPUBLICTEXT',
  title: 'ALLOWEDTITLEATTR',
  typed: 'ALLOWEDTYPEDSEARCH',
  email: 'allowedmailbox',
  card: '378282246310005',
  customer: 'CUST-48213',
};

const FRAME_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>f</title></head>
<body><p>Inside ${C.iframeText}</p><input id="fin" type="text"></body></html>`;

const FROM_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>from</title></head>
<body><a id="go" href="/leak?q=${C.urlQuery}&amp;other=1#${C.urlFragment}">go</a></body></html>`;

/** The page under test; `privacy` is the JSON of the `privacy` option. */
function leakPage(privacy) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="description" content="${C.metaContent}">
<title>Shop ${C.title}</title>
<style>
  .deco::after { content: "${C.cssContent}"; }
  .bg { background-image: url("/img/${C.cssUrl}.png"); }
  [data-k="${C.cssContent}"] { color: red; }
  [data-k=${C.cssSelector}], input[type="text"] { color: blue; }
</style>
</head>
<body>
<!-- ${C.comment} -->
<main>
  <p id="t">Order ${C.text} ships tomorrow.</p>
  <p id="mut">placeholder text</p>
  <p>Write to ${C.emailLocal}@example.com or pay with ${C.cardSpaced} today.</p>
  <p class="deco bg" style="background:url(/i/${C.cssInline}.png)">styled</p>
  <a href="/next?ref=${C.linkQuery}#${C.linkQuery}">next</a>
  <img alt="${C.alt}" src="/img/x.png" width="10" height="10">
  <div title="${C.titleAttr}" aria-label="${C.ariaLabel}" data-secret="${C.dataAttr}">attrs</div>
  <button>${C.buttonText}</button>
  <svg width="50" height="20"><text x="0" y="15">${C.svgText}</text></svg>
  <noscript>${C.noscript}</noscript>
  <form onsubmit="return false">
    <input id="kb" type="text" placeholder="${C.placeholder}">
    <input id="seq" type="email">
    <input id="scripted" type="text">
    <input id="va" type="text" value="${C.valueAttr}">
    <input id="hidden" type="hidden" value="${C.hiddenInput}">
    <input id="pw" type="password">
    <input id="cc" type="text" autocomplete="cc-number">
    <input id="otp" type="text" autocomplete="one-time-code">
    <select id="sel"><option value="a">first</option><option value="${C.optionValue}">${C.optionText}</option>
      <option value="${C.selectChosen}">${C.selectChosen}</option></select>
    <textarea id="ta">${C.textareaDefault}</textarea>
  </form>
  <div id="ce" contenteditable="true">edit here </div>
  <div id="cp" contenteditable="plaintext-only">plain here </div>
  <div contenteditable="true"><p>outer <span id="cn">nested </span></p></div>
  <div id="host"></div>
  <iframe id="fr" src="/frame" width="200" height="80"></iframe>
  <iframe id="sd" srcdoc="<p>Srcdoc ${C.srcdocText}</p>" width="200" height="80"></iframe>
  <section id="public" data-role="public">
    <h2 title="${ALLOWED.title}">${ALLOWED.text}</h2>
    <p>Mail ${ALLOWED.email}@example.org card ${ALLOWED.card} end</p>
    <p>Customer ${ALLOWED.customer} called</p>
    <input id="search" type="search">
    <input id="pubpw" type="password">
    <input id="pubcc" type="text" autocomplete="cc-number">
    <input id="pubotp" type="text" autocomplete="one-time-code">
    <input id="pubhidden" type="hidden" value="${C.hiddenInput}2">
    <input id="pubtoggle" type="password">
  </section>
</main>
<script src="/reticent.js"></script>
<script>
  const root = document.getElementById('host').attachShadow({ mode: 'open' });
  root.innerHTML = '<p>Shadow ${C.shadowText}</p><input id="sin" type="text">';
  window.__boot = Promise.resolve()
    .then(() => Reticent.init({
      endpoint: location.origin + '/ingest',
      consent: 'manual',
      flushInterval: 250,
      privacy: ${privacy},
    }))
    .then((recorder) => { window.recorder = recorder; });
</script>
</body>
</html>
`;
}

/** Every batch POSTed, decompressed: raw MessagePack bytes and the decoded value as JSON. */
function collect(server) {
  return server.posts().map((req) => {
    const raw = gunzipSync(req.body);
    const value = decodeMsgpack(raw);
    const json = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v));
    return { raw, value, json };
  });
}

/** The haystack a canary is searched in: decoded JSON and raw bytes, lower-cased. */
function haystack(batches) {
  return batches.map((b) => `${b.json}\n${b.raw.toString('latin1')}`).join('\n').toLowerCase();
}

/** All events of all batches. */
function eventsOf(batches) {
  return batches.flatMap((b) => b.value.events ?? []);
}

/** Runs the page with `privacy` options through every vector; resolves to the decoded batches. */
async function record(browser, privacy) {
  const server = await startServer({ pages: { '/leak': leakPage(JSON.stringify(privacy)), '/frame': FRAME_PAGE, '/from': FROM_PAGE } });
  const tab = await openPage(browser);
  const { page } = tab;
  try {
    // Referrer: the page is reached from a page whose URL holds a canary.
    await page.goto(server.url(`/from?r=${C.referrer}`));
    await Promise.all([page.waitForURL(/\/leak/), page.click('#go')]);
    const ready = await page.evaluate(async () => {
      const w = /** @type {any} */ (window);
      await w.__boot;
      return typeof w.recorder?.grantConsent === 'function' && document.referrer.includes('QZXREFERRER');
    });
    assert.equal(ready, true, 'recorder ready and the referrer carries its canary');
    await page.evaluate(() => /** @type {any} */ (window).recorder.grantConsent());
    await sleep(300);

    // Real keyboard typing.
    await page.click('#kb');
    await page.keyboard.type(C.typedKeyboard);
    await page.locator('#seq').pressSequentially(C.typedSequential);
    await page.locator('#ta').pressSequentially(C.textareaTyped);
    await page.click('#ce');
    await page.keyboard.type(C.editableTrue);
    await page.click('#cp');
    await page.keyboard.type(C.editablePlain);
    await page.click('#cn');
    await page.keyboard.press('End');
    await page.keyboard.type(C.editableNested);
    await page.locator('#host #sin').pressSequentially(C.shadowTyped);
    await page.frameLocator('#fr').locator('#fin').pressSequentially(C.iframeTyped);
    await page.locator('#cc').pressSequentially(C.ccTyped);
    await page.locator('#otp').pressSequentially(C.otpTyped);
    await page.selectOption('#sel', C.selectChosen);
    // Password toggled to text and back, typing in between.
    await page.locator('#pw').pressSequentially(C.passwordBefore);
    await page.evaluate(() => document.getElementById('pw').setAttribute('type', 'text'));
    await page.locator('#pw').pressSequentially(C.passwordAsText);
    await page.evaluate(() => document.getElementById('pw').setAttribute('type', 'password'));
    await page.locator('#pw').pressSequentially(C.passwordAfter);
    // The allowlisted part of the page (masked in run 1).
    await page.locator('#search').pressSequentially(ALLOWED.typed);
    await page.locator('#pubpw').pressSequentially(C.passwordBefore + 'PUB');
    await page.locator('#pubcc').pressSequentially(C.ccTyped);
    await page.locator('#pubotp').pressSequentially(C.otpTyped + 'PUB');
    await page.locator('#pubtoggle').pressSequentially('QZXPUBTOGGLEA');
    await page.evaluate(() => document.getElementById('pubtoggle').setAttribute('type', 'text'));
    await page.locator('#pubtoggle').pressSequentially('QZXPUBTOGGLEB');
    await page.click('#t');

    // Script-driven changes.
    await page.evaluate((c) => {
      const s = /** @type {HTMLInputElement} */ (document.getElementById('scripted'));
      s.value = c.scriptValue;
      s.dispatchEvent(new Event('input', { bubbles: true }));
      s.dispatchEvent(new Event('change', { bubbles: true }));
      const late = document.createElement('p');
      late.textContent = `Late ${c.textLate}`;
      late.setAttribute('title', c.titleAttr + 'LATE');
      document.querySelector('main').appendChild(late);
      document.getElementById('mut').firstChild.data = `Now ${c.textMutated}`;
      document.getElementById('va').setAttribute('value', c.valueAttrLate);
      document.title = `Shop ${c.titleChanged}`;
      document.styleSheets[0].insertRule(`.late::before { content: "${c.cssInserted}"; background: url(/${c.cssInserted}.png) }`, 0);
      history.pushState({}, '', `/leak/next?p=${c.pushQuery}#${c.pushFragment}`);
      location.hash = c.hashChange;
    }, C);
    await sleep(400);
    await page.evaluate(() => /** @type {any} */ (window).recorder.flush());
    await sleep(600);
    await page.evaluate(() => /** @type {any} */ (window).recorder.flush());
    await sleep(400);
    const errors = await tab.allErrors();
    assert.deepEqual(errors.filter((e) => !e.includes('/img/') && !e.includes('/i/')), [], 'page errors');
    return collect(server);
  } finally {
    await tab.context.close();
    await server.close();
  }
}

/** Checks that the recording is not vacuous: what each vector should have produced is there. */
function assertRecorded(batches) {
  const events = eventsOf(batches);
  const types = new Set(events.map((e) => e.type));
  assert.ok(types.has(2), 'a FullSnapshot');
  assert.ok(types.has(4), 'a Meta event');
  const inc = events.filter((e) => e.type === 3).map((e) => e.data);
  const inputs = inc.filter((d) => d.source === 5);
  assert.ok(inputs.length >= 12, `input events for the typed fields (got ${inputs.length})`);
  const mutations = inc.filter((d) => d.source === 0);
  assert.ok(mutations.some((m) => (m.texts ?? []).length > 0), 'a text mutation');
  assert.ok(mutations.some((m) => (m.adds ?? []).length > 0), 'an added node');
  assert.ok(mutations.some((m) => m.isAttachIframe), 'the same-origin iframe attached');
  assert.ok(inc.some((d) => d.source === 8), 'the inserted CSS rule');
  const snapshot = JSON.stringify(events.find((e) => e.type === 2));
  assert.ok(snapshot.includes('"isShadowHost":true'), 'the shadow root recorded');
  const metas = events.filter((e) => e.type === 4).map((e) => e.data.href);
  assert.ok(metas.some((h) => h.includes('/leak/next')), `the pushState navigation recorded: ${metas}`);
}

/** Canaries (name → value) found in `hay`, searched case-insensitively. */
function found(hay, canaries) {
  return Object.entries(canaries).filter(([, v]) => hay.includes(String(v).toLowerCase()));
}

describe('privacy leak suite', () => {
  let browser;

  before(async () => {
    distFile('reticent.js');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it('with default options, no canary of any vector is sent', async () => {
    const batches = await record(browser, {});
    assertRecorded(batches);
    const hay = haystack(batches);
    const vectors = { ...C, ...ALLOWED, cardDigits: C.card };
    const leaks = found(hay, vectors);
    console.log(`# leak suite (defaults): ${Object.keys(vectors).length} canaries tried in ${batches.length} batches, ${leaks.length} found`);
    assert.deepEqual(leaks, [], 'canaries leaked');
    // The PII in sentences is masked as text (not even a detector label is needed).
    assert.ok(!hay.includes('@example.com'));
  });

  it('with an unmask allowlist, only the allowlisted content appears, scrubbed by the detectors', async () => {
    const batches = await record(browser, {
      unmaskText: ['#public'],
      unmaskInputs: ['#search', '#pubpw', '#pubcc', '#pubotp', '#pubhidden', '#pubtoggle'],
      customDetectors: ['CUST-#####'],
    });
    assertRecorded(batches);
    const hay = haystack(batches);
    // The allowlisted text, attribute and typed value are recorded in clear.
    for (const v of [ALLOWED.text, ALLOWED.title, ALLOWED.typed]) {
      assert.ok(hay.includes(v.toLowerCase()), `${v} recorded`);
    }
    // The detectors scrubbed the e-mail and card inside the unmasked sentence.
    assert.ok(!hay.includes(ALLOWED.email), 'e-mail scrubbed');
    assert.ok(!hay.includes(ALLOWED.card), 'card scrubbed');
    assert.ok(hay.includes('mail [email] card [card] end'), 'replaced by detector labels');
    // The site's own identifier, found by its custom detector.
    assert.ok(!hay.includes(ALLOWED.customer.toLowerCase()), 'customer number scrubbed');
    assert.ok(hay.includes('customer [custom] called'), 'replaced by the custom label');
    // Everything else, and the never-unmaskable fields the allowlist targets, stay masked.
    const never = { pubPw: C.passwordBefore + 'PUB', pubOtp: C.otpTyped + 'PUB', pubToggleA: 'QZXPUBTOGGLEA', pubToggleB: 'QZXPUBTOGGLEB' };
    const vectors = { ...C, ...never };
    const leaks = found(hay, vectors);
    console.log(`# leak suite (allowlist): ${Object.keys(vectors).length} canaries tried in ${batches.length} batches, ${leaks.length} found; ${Object.keys(ALLOWED).length} allowlisted values checked`);
    assert.deepEqual(leaks, [], 'canaries leaked');
  });

  // The control: unmask the whole page. The search must then find the canaries of every
  // unmaskable vector (so runs 1 and 2 found nothing because nothing was there, not because
  // the vectors did not run or the search is blind), while URLs, CSS, the referrer, comments,
  // media, never-unmaskable fields and the PII scrubbed by the detectors stay hidden.
  it('control: unmasking the whole page exposes exactly the unmaskable vectors', async () => {
    const batches = await record(browser, { unmaskText: ['html'], unmaskInputs: ['html'] });
    const hay = haystack(batches);
    const exposed = [
      'text', 'textLate', 'textMutated', 'typedKeyboard', 'typedSequential', 'scriptValue', 'valueAttr',
      'valueAttrLate', 'placeholder', 'titleAttr', 'ariaLabel', 'dataAttr', 'metaContent', 'optionText',
      'optionValue', 'selectChosen', 'editableTrue', 'editablePlain', 'editableNested', 'textareaDefault',
      'textareaTyped', 'shadowText', 'shadowTyped', 'iframeText', 'iframeTyped', 'srcdocText', 'title', 'titleChanged',
      'svgText', 'buttonText',
    ];
    const hidden = Object.keys(C).filter((k) => !exposed.includes(k));
    const missing = exposed.filter((k) => !hay.includes(C[k].toLowerCase()));
    assert.deepEqual(missing, [], 'unmasked vectors not found: the vector did not run or the search is blind');
    const leaks = found(hay, Object.fromEntries(hidden.map((k) => [k, C[k]])));
    console.log(`# leak suite (control, all unmasked): ${exposed.length} unmaskable vectors found, ${hidden.length} others checked, ${leaks.length} leaked`);
    assert.deepEqual(leaks, [], 'never-unmaskable or always-sanitised canaries leaked');
  });
});
