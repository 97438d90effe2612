// The one-command demo, end to end: `reticent serve` with the demo shop (examples/demo-site,
// under /demo/) and the replay viewer (/viewer/). The shop's consent manager is the real
// tarteaucitron from npm (tests/node_modules/tarteaucitronjs; scripts/demo.sh copies it to
// examples/demo-site/vendor/, this test to a copy of the site in a temporary directory), with
// Reticent registered as a tarteaucitron service. A visitor accepts tarteaucitron's banner, types
// into the login and contact forms and moves between pages; the session then shows up in the
// viewer, its events are masked rrweb JSON, and rrweb-player replays it in a sandboxed frame.
// Screenshots of the replay land in artifacts/ (gitignored).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, openPage } from './lib/browser.mjs';
import { REPO_ROOT, distFile, reticentBin } from './lib/paths.mjs';

const SITE_KEY = 'pk_demo_maison_lumen'; // examples/demo-site/reticent-setup.js
const VIEWER_DIR = join(REPO_ROOT, 'viewer');
const ARTIFACTS = join(REPO_ROOT, 'artifacts');

// What the visitor types: it must never reach the collector.
const TYPED = {
  email: 'typed.canary@example.org',
  password: 'Sup3rSecretCanaryPw',
  message: 'CanaryMessage about order TCX-99172',
};
// Text of the demo pages: masked in the browser, so never in the events either.
const PAGE_TEXT = ['Aurora Desk Lamp', 'Nimbus Wool Throw', 'Light and warmth', 'Maison Lumen', '89.00', 'quai Saint-Antoine', 'Sign in to your account', 'we answer within two working days'];

/** A free TCP port on 127.0.0.1 (the site's origin must be known before the server starts). */
async function freePort() {
  const srv = createServer();
  await new Promise((resolve, reject) => srv.listen(0, '127.0.0.1', resolve).once('error', reject));
  const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * A copy of examples/demo-site in `dir`, with tarteaucitron from tests/node_modules under
 * vendor/tarteaucitron/ (what scripts/demo.sh puts in examples/demo-site/vendor/).
 */
async function demoSite(dir) {
  const site = join(dir, 'demo-site');
  await cp(join(REPO_ROOT, 'examples', 'demo-site'), site, { recursive: true, filter: (src) => !src.includes(join('demo-site', 'vendor')) });
  const tac = join(REPO_ROOT, 'tests', 'node_modules', 'tarteaucitronjs');
  if (!existsSync(join(tac, 'tarteaucitron.js'))) throw new Error(`${tac} is missing: run \`npm ci --prefix tests\``);
  for (const f of ['tarteaucitron.js', 'tarteaucitron.services.js', 'lang', 'css']) {
    await cp(join(tac, f), join(site, 'vendor', 'tarteaucitron', f), { recursive: true });
  }
  return site;
}

/** Starts `reticent serve` with the demo site and the viewer; resolves once it listens. */
async function startCollector(dir, port) {
  const origin = `http://127.0.0.1:${port}`;
  const db = join(dir, 'demo.sqlite');
  const args = [
    'serve', '--listen', `127.0.0.1:${port}`, '--db', db,
    '--site', `demo:${SITE_KEY}:${origin}`,
    '--demo-dir', await demoSite(dir),
    '--demo-script', distFile('reticent.js'),
    '--viewer-dir', VIEWER_DIR,
  ];
  const child = spawn(reticentBin(), args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (c) => (output += c));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reticent serve did not start within 20 s:\n${output}`)), 20_000);
    child.stdout.on('data', (c) => {
      output += c;
      if (output.includes('listening on http://')) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`reticent serve exited (${code}) before listening:\n${output}`));
    });
  });
  // The token was generated next to the database (mode 0600) and printed on start.
  const token = (await readFile(`${db}.viewer-token`, 'utf8')).trim();
  return { child, origin, db, token, output: () => output };
}

/** Waits for the demo page's recorder (reticent-setup.js marks <html data-reticent>). */
async function waitRecorder(page) {
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-reticent'), null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-reticent')), 'ready', 'Reticent did not start on the demo page');
}

/**
 * Waits until tarteaucitron has wired its buttons (consent-setup.js marks <html data-cmp>) and
 * lists Reticent's service (registered by Reticent.init once its WebAssembly module is loaded):
 * an earlier click on "Accept all" would not cover Reticent.
 */
async function waitCmp(page) {
  await page.waitForFunction(() => document.documentElement.getAttribute('data-cmp') === 'ready' && document.getElementById('reticentLine') !== null, null, { timeout: 30_000 });
}

/** Sends what the page's recorder holds now. */
async function flush(page) {
  await page.evaluate(() => /** @type {any} */ (window).demoRecorder.flush());
}

describe('the demo: shop → collector → viewer', () => {
  let dir;
  let server;
  let browser;
  /** @type {any[]} */
  let sessions = [];

  before(async () => {
    for (const asset of ['node_modules/rrweb-player/dist/rrweb-player.umd.min.cjs', 'static/replay.js']) {
      if (!existsSync(join(VIEWER_DIR, asset))) {
        throw new Error(`viewer/${asset} is missing: run \`npm ci --prefix viewer\` (scripts/ensure-tools.sh does)`);
      }
    }
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'reticent-demo-'));
    server = await startCollector(dir, await freePort());
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => (server.child.exitCode !== null ? resolve(undefined) : server.child.once('exit', resolve)));
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const api = (path, token) =>
    fetch(`${server.origin}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('records a visit of the shop after consent, across pages', async () => {
    const tab = await openPage(browser);
    const { page } = tab;
    await page.goto(`${server.origin}/demo/`);
    await waitRecorder(page);
    await waitCmp(page);
    assert.equal(await page.locator('#tarteaucitronAlertBig').isVisible(), true, 'tarteaucitron shows its banner to a new visitor');
    await page.waitForTimeout(1000);
    assert.deepEqual(await (await api('/viewer/api/sessions', server.token)).json(), [], 'a session was recorded before consent');
    await page.locator('#tarteaucitronPersonalize2').click(); // tarteaucitron's "Accept all"
    await page.waitForTimeout(500);

    await page.getByRole('link', { name: 'Sign in' }).click();
    await waitRecorder(page);
    assert.equal(await page.locator('#tarteaucitronAlertBig').isHidden(), true, 'the banner came back: the choice was not remembered');
    await page.locator('input[name=email]').pressSequentially(TYPED.email, { delay: 15 });
    await page.locator('input[name=password]').pressSequentially(TYPED.password, { delay: 15 });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForTimeout(300);
    await flush(page);

    await page.getByRole('link', { name: 'Contact' }).click();
    await waitRecorder(page);
    await page.locator('textarea[name=message]').pressSequentially(TYPED.message, { delay: 10 });
    await page.waitForTimeout(300);
    await flush(page);

    await page.locator('nav').getByRole('link', { name: 'Aurora Desk Lamp' }).click();
    await waitRecorder(page);
    await page.locator('#add-to-cart').click();
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(500);
    await flush(page);

    // The batches arrive with the flushes (and the page-hide beacons): wait until all three
    // page views of the session are stored.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const resp = await api('/viewer/api/sessions', server.token);
      assert.equal(resp.status, 200);
      sessions = await resp.json();
      if (sessions.length === 1 && sessions[0].pages >= 4) break;
      if (Date.now() > deadline) {
        throw new Error(`the session did not reach 4 page views within 30 s: ${JSON.stringify(sessions)}\n${server.output()}`);
      }
      await sleep(250);
    }
    assert.equal(sessions[0].site, 'demo');
    assert.deepEqual(await tab.allErrors(), []);
    await tab.context.close();
  });

  it('serves the session as masked rrweb JSON, to the token only', async () => {
    const id = encodeURIComponent(sessions[0].sessionId);
    const resp = await api(`/viewer/api/sessions/${id}/events`, server.token);
    assert.equal(resp.status, 200);
    assert.equal(resp.headers.get('cache-control'), 'no-store');
    const text = await resp.text();
    const events = JSON.parse(text);
    await writeFile(join(ARTIFACTS, 'demo-events.json'), text);
    assert.ok(Array.isArray(events) && events.length > 4, 'too few events');
    assert.ok(events.some((e) => e.type === 4), 'no Meta event');
    assert.ok(events.some((e) => e.type === 2), 'no FullSnapshot');
    assert.ok(events.filter((e) => e.type === 4).length >= 4, 'one Meta per page view expected');
    const leaks = [...Object.values(TYPED), ...PAGE_TEXT, 'typed.canary', 'TCX-99172'].filter((s) => text.includes(s));
    assert.deepEqual(leaks, [], 'typed or page text in the stored recording');
    assert.ok(text.includes('*'), 'no masked text in the recording');

    for (const [path, auth] of [
      ['/viewer/api/sessions', undefined],
      [`/viewer/api/sessions/${id}/events`, undefined],
      [`/viewer/api/sessions/${id}/events`, 'wrong-token-0123456789'],
    ]) {
      const r = await api(path, auth);
      assert.equal(r.status, 401, `${path} without the token`);
      assert.equal((await r.json()).error.code, 'UNAUTHORIZED');
    }
    const unknown = await api('/viewer/api/sessions/no-such-session/events', server.token);
    assert.equal(unknown.status, 404);
  });

  it('viewer pages: login without the token, strict CSP, no framing', async () => {
    const r = await fetch(`${server.origin}/viewer/`);
    assert.equal(r.status, 401);
    assert.match(await r.text(), /<form method="post" action="\/viewer\/login"/);
    const csp = r.headers.get('content-security-policy') ?? '';
    for (const d of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(d), `CSP lacks ${d}: ${csp}`);
    }
    assert.ok(!/script-src[^;]*unsafe/.test(csp), `CSP allows unsafe scripts: ${csp}`);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    const wrong = await fetch(`${server.origin}/viewer/?token=wrong-token-0123456789`, { redirect: 'manual' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
  });

  it('lists the session and replays it, masked, in a frame without scripts', async () => {
    const tab = await openPage(browser);
    const { page } = tab;
    const cspViolations = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    // ?token= once: the viewer sets its cookie and drops the token from the address.
    const landed = await page.goto(`${server.origin}/viewer/?token=${server.token}`);
    assert.equal(landed?.status(), 200);
    assert.equal(new URL(page.url()).search, '', 'the token stayed in the address bar');
    const cookies = await tab.context.cookies();
    const cookie = cookies.find((c) => c.name === 'reticent_viewer');
    assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', `cookie: ${JSON.stringify(cookies)}`);
    assert.ok(!cookie.value.includes(server.token), 'the cookie carries the token itself');

    const row = page.locator('#sessions tbody tr');
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /demo/);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-viewer-sessions.png'), fullPage: true });

    await row.locator('a.session').click();
    await page.waitForSelector('#replay[data-state="ready"], #replay[data-state="error"]', { timeout: 30_000 });
    assert.equal(await page.locator('#replay').getAttribute('data-state'), 'ready', await page.locator('#replay-status').innerText());

    const iframe = page.locator('.replayer-wrapper iframe');
    assert.equal(await iframe.count(), 1);
    const sandbox = await iframe.getAttribute('sandbox');
    assert.equal(sandbox, 'allow-same-origin', `replay frame sandbox: ${sandbox}`);

    // Play (rrweb-player's own controller) and look at the replayed document along the way.
    await page.locator('.rr-controller__btns button').first().click();
    /** The replayed document's text, read from the viewer page (the frame is same-origin). */
    const replayText = () =>
      page.evaluate(() => {
        const doc = /** @type {HTMLIFrameElement} */ (document.querySelector('.replayer-wrapper iframe')).contentDocument;
        return doc && doc.documentElement ? doc.documentElement.textContent + ' ' + [...doc.querySelectorAll('input,textarea')].map((i) => /** @type {HTMLInputElement} */ (i).value).join(' ') : '';
      });
    await sleep(1_500);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-replay-start.png'), fullPage: true });
    const meta = await page.evaluate(() => /** @type {any} */ (window).reticentViewer.player.getMetaData());
    const texts = [];
    for (const fraction of [0.1, 0.35, 0.6, 0.9]) {
      await page.evaluate((t) => /** @type {any} */ (window).reticentViewer.player.goto(t, false), Math.floor(meta.totalTime * fraction));
      await sleep(700);
      texts.push(await replayText());
      await page.screenshot({ path: join(ARTIFACTS, `demo-replay-${Math.round(fraction * 100)}.png`), fullPage: true });
    }
    const all = texts.join('\n');
    assert.ok(all.includes('****'), `no masked text in the replay: ${all.slice(0, 300)}`);
    const leaks = [...Object.values(TYPED), ...PAGE_TEXT].filter((s) => all.includes(s));
    assert.deepEqual(leaks, [], 'canary in the replayed document');

    // No script ran inside the replay frame, and nothing was blocked that the player needs.
    const scriptsInFrame = await page.evaluate(() => {
      const doc = /** @type {HTMLIFrameElement} */ (document.querySelector('.replayer-wrapper iframe')).contentDocument;
      return doc ? doc.querySelectorAll('script').length : -1;
    });
    assert.equal(scriptsInFrame, 0, 'script elements in the replayed document');
    assert.deepEqual(cspViolations, [], 'CSP violations on the viewer page');
    assert.deepEqual(await tab.allErrors(), []);
    await tab.context.close();
  });
});
