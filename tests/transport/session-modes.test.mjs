// With the real module in headless Chromium: the session entry in sessionStorage (only after
// consent, reused by the next page view, deleted on withdrawal), sampling out, and the
// on-trigger mode (nothing sent until an uncaught error, then the window from a full snapshot).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, openPage } from '../e2e/lib/browser.mjs';
import { startCollector, testFiles, testPage } from './lib.mjs';

describe('sessions and modes in the browser', () => {
  let browser;
  let collector;
  before(async () => {
    collector = await startCollector({ pages: { '/': testPage() }, files: await testFiles() });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
  });

  const entry = (page) => page.evaluate(() => sessionStorage.getItem('reticent.session'));

  it('keeps the session id in sessionStorage after consent only, across page views, until withdrawal', async () => {
    const { page, allErrors } = await openPage(browser);
    await page.goto(`${collector.origin}/`);
    await page.evaluate(() => TestReticent.init({ endpoint: '/ingest', consent: 'manual', wasmUrl: '/reticent_bg.wasm' }).then((r) => (window.waiting = r)));
    assert.equal(await entry(page), null, 'nothing stored before consent');
    assert.deepEqual(await page.evaluate(() => [document.cookie, localStorage.length]), ['', 0]);
    await page.evaluate(() => window.waiting.stop());

    const before = collector.accepted.length;
    await page.evaluate(() => window.start({}));
    const stored = JSON.parse(await entry(page));
    assert.match(stored.id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(stored.sampled, true);
    await collector.waitFor(() => collector.accepted.length > before, { what: 'the first batch' });
    const first = collector.accepted.at(-1);
    assert.equal(first.sessionId, stored.id);

    await page.reload();
    await page.evaluate(() => window.start({}));
    // (The reload's pagehide may first send the first page view's last events.)
    const isSecond = (b) => b.pageViewId !== first.pageViewId && collector.accepted.indexOf(b) >= before;
    await collector.waitFor(() => collector.accepted.some(isSecond), { what: 'the second page view' });
    const second = collector.accepted.find(isSecond);
    assert.equal(second.sessionId, first.sessionId, 'same session');
    assert.equal(second.sequence, 0);

    await page.evaluate(() => window.recorder.withdrawConsent());
    assert.equal(await entry(page), null, 'deleted on withdrawal');
    assert.deepEqual(await page.evaluate(() => [document.cookie, localStorage.length]), ['', 0], 'never a cookie or localStorage');
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });

  it('a session not sampled sends nothing, and says so in its entry', async () => {
    const { page } = await openPage(browser);
    await page.goto(`${collector.origin}/`);
    const posts = collector.posts.length;
    await page.evaluate(async () => {
      window.recorder = await TestReticent.init({ endpoint: '/ingest', consent: 'manual', wasmUrl: '/reticent_bg.wasm', sampleRate: 0 });
      window.recorder.grantConsent();
      await window.recorder.flush();
    });
    await sleep(500);
    assert.equal(JSON.parse(await entry(page)).sampled, false);
    assert.equal(await page.evaluate(() => window.__probe.grantMs.length), 0, 'the module was not started');
    assert.equal(collector.posts.length, posts);
    await page.context().close();
  });

  it("on-trigger: nothing is sent until an uncaught error, then the window, opening with a full snapshot", async () => {
    const { page } = await openPage(browser);
    await page.goto(`${collector.origin}/`);
    const posts = collector.posts.length;
    await page.evaluate(() => window.start({ mode: 'on-trigger', triggerWindow: 2000 }));
    await page.evaluate(() => {
      document.querySelector('h1').textContent = 'changed';
    });
    await sleep(3500); // segments cut every second
    assert.equal(collector.posts.length, posts, 'nothing sent before the trigger');
    const cuts = await page.evaluate(() => window.__probe.checkpointMs.length);
    assert.ok(cuts >= 2, `${cuts} segments cut`);
    await page.evaluate(() => setTimeout(() => { throw new Error('boom (expected by the test)'); }));
    await collector.waitFor(() => collector.posts.length > posts, { what: 'the window' });
    await sleep(500);
    const pageViewId = collector.accepted.at(-1).pageViewId;
    const mine = collector.accepted.filter((b) => b.pageViewId === pageViewId);
    assert.ok(mine.length >= 2 && mine.length <= 3, `${mine.length} batches: the kept segments and the open one`);
    assert.equal(mine[0].types[0], 4, 'the window opens with Meta');
    assert.equal(mine[0].types[1], 2, '… and a full snapshot');
    const seqs = mine.map((b) => b.sequence);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.ok(seqs[0] > 0, 'older segments were discarded (a gap in sequence)');
    // The trigger is in the recording: the error's type only, never its message.
    const triggers = mine.flatMap((b) => b.customs).filter((c) => c.tag === 'reticent.trigger');
    assert.deepEqual(triggers, [{ tag: 'reticent.trigger', payload: { reason: 'uncaught error: Error' } }]);
    await page.context().close();
  });

  it('trigger(reason): the reason is recorded as a Custom event, scrubbed of personal data', async () => {
    const { page, allErrors } = await openPage(browser);
    await page.goto(`${collector.origin}/`);
    const posts = collector.posts.length;
    await page.evaluate(() => window.start({ mode: 'on-trigger', triggerWindow: 60_000 }));
    assert.equal(collector.posts.length, posts, 'nothing sent before the trigger');
    await page.evaluate(() => window.recorder.trigger('refund failed for jane.doe@example.com'));
    await collector.waitFor(() => collector.accepted.slice(posts).some((b) => b.customs.length > 0), { what: 'the trigger event' });
    const customs = collector.accepted.slice(posts).flatMap((b) => b.customs);
    const trigger = customs.find((c) => c.tag === 'reticent.trigger');
    assert.ok(trigger, JSON.stringify(customs));
    assert.match(trigger.payload.reason, /^refund failed for \[/);
    assert.ok(!JSON.stringify(collector.accepted.slice(posts)).includes('jane.doe'));
    // Once triggered (continuous), a trigger records its marker in the next batch.
    const before = collector.accepted.length;
    await page.evaluate(() => {
      window.recorder.trigger('second');
      return window.recorder.flush();
    });
    await collector.waitFor(() => collector.accepted.length > before, { what: 'the next batch' });
    assert.deepEqual(collector.accepted.at(-1).customs.filter((c) => c.tag === 'reticent.trigger'), [
      { tag: 'reticent.trigger', payload: { reason: 'second' } },
    ]);
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });
});
