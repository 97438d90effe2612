// Compression in a Web Worker, in headless Chromium with the real module and the real worker
// script: (a) batches compressed in the worker arrive and decode, and no gzip runs on the main
// thread; (b) under a CSP that forbids blob: workers, batches still arrive compressed (main-thread
// fallback); (c) consent withdrawn while a batch is in the worker: the worker is terminated and
// nothing of that batch, nor anything else of the old session, is ever sent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage } from '../e2e/lib/browser.mjs';
import { startCollector, testFiles, testPage } from './lib.mjs';

function largeBody(rows) {
  let html = '<main>';
  for (let i = 0; i < rows; i++) {
    html += `<div class="row" id="row${i}"><h3>Item ${i}</h3><p>Description of item ${i} <span>tag ${i % 7}</span></p><ul><li>size ${i % 5}</li><li>colour ${i % 9}</li></ul><button type="button">Add</button></div>`;
  }
  return html + '</main>';
}

/** Counts the workers the page creates and terminates (installed before any script runs). */
async function watchWorkers(page) {
  await page.addInitScript(() => {
    const W = window.Worker;
    window.__workers = [];
    window.Worker = class extends W {
      constructor(...args) {
        super(...args);
        this.__terminated = false;
        window.__workers.push(this);
      }
      terminate() {
        this.__terminated = true;
        return super.terminate();
      }
    };
  });
}

// A strict CSP without blob: workers ('unsafe-inline' only for the test page's own inline script).
const CSP_NO_BLOB_WORKER = "default-src 'none'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'; worker-src 'none'";
// The same, allowing the blob: worker (what docs/csp.md recommends).
const CSP_BLOB_WORKER = "default-src 'none'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; connect-src 'self'; worker-src blob:";

describe('compression in a Web Worker', () => {
  let browser;
  let collector;
  before(async () => {
    collector = await startCollector({
      pages: { '/': testPage(), '/csp': testPage(), '/csp-blob': testPage(), '/large': testPage(largeBody(2000)) },
      pageHeaders: {
        '/csp': { 'content-security-policy': CSP_NO_BLOB_WORKER },
        '/csp-blob': { 'content-security-policy': CSP_BLOB_WORKER },
      },
      files: await testFiles(),
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
  });

  it('(a) with the worker: batches arrive in order and decode; none was compressed on the main thread', async () => {
    const before = collector.accepted.length;
    const { page, allErrors } = await openPage(browser);
    await watchWorkers(page);
    await page.goto(`${collector.origin}/`);
    await page.evaluate(() => window.start({ flushInterval: 600_000 }));
    await page.evaluate(() => window.produce());
    await page.evaluate(() => window.produce());
    await collector.waitFor(() => collector.accepted.length >= before + 3, { what: '3 batches' });
    const mine = collector.accepted.slice(before);
    assert.deepEqual(
      mine.map((b) => b.sequence),
      [0, 1, 2],
    );
    for (const b of mine) {
      assert.deepEqual(b.types.slice(0, 2), [4, 2], 'Meta + FullSnapshot');
      assert.equal(b.contentType, 'application/vnd.reticent.batch+msgpack');
    }
    const seen = await page.evaluate(() => ({
      mainGzips: __probe.mainGzips,
      produced: __probe.produced,
      workers: window.__workers.length,
      terminated: window.__workers.filter((w) => w.__terminated).length,
    }));
    assert.deepEqual(seen, { mainGzips: 0, produced: 3, workers: 1, terminated: 0 });
    await page.evaluate(() => window.recorder.stop());
    assert.equal(await page.evaluate(() => window.__workers[0].__terminated), true, 'stop() ends the worker');
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });

  it('(b) a CSP that forbids blob: workers: batches still arrive compressed (main thread), no page error', async () => {
    const before = collector.accepted.length;
    const postsBefore = collector.posts.length;
    const { page, allErrors } = await openPage(browser);
    const violations = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${collector.origin}/csp`);
    await page.evaluate(() => window.start({ flushInterval: 600_000 }));
    await page.evaluate(() => window.produce());
    await page.evaluate(() => window.produce());
    await collector.waitFor(() => collector.accepted.length >= before + 3, { what: '3 batches' });
    const mine = collector.accepted.slice(before);
    assert.deepEqual(
      mine.map((b) => b.sequence),
      [0, 1, 2],
    );
    // The collector gunzips every body: an uncompressed one would have been refused (400).
    assert.ok(collector.posts.slice(postsBefore).every((p) => p.seq !== 'undecodable'));
    const mainGzips = await page.evaluate(() => __probe.mainGzips);
    assert.equal(mainGzips, 3, 'every batch compressed on the main thread');
    assert.ok(violations.length >= 1, 'the browser did refuse the worker (CSP violation reported)');
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });

  it("(b') a strict CSP with worker-src blob: the worker instantiates the module and compresses (no main-thread gzip)", async () => {
    const before = collector.accepted.length;
    const { page, allErrors, consoleErrors } = await openPage(browser);
    await page.goto(`${collector.origin}/csp-blob`);
    await page.evaluate(() => window.start({ flushInterval: 600_000 }));
    await page.evaluate(() => window.produce());
    await collector.waitFor(() => collector.accepted.length >= before + 2, { what: '2 batches' });
    assert.equal(await page.evaluate(() => __probe.mainGzips), 0, 'compressed in the worker');
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });

  it('(c) consent withdrawn while a batch is in the worker: it is terminated; nothing more of that session is sent', async () => {
    const { page, allErrors } = await openPage(browser);
    await watchWorkers(page);
    await page.goto(`${collector.origin}/large`);
    await page.evaluate(() => window.start({ flushInterval: 600_000 }));
    const first = await page.evaluate(() => JSON.parse(sessionStorage.getItem('reticent.session') ?? 'null'));
    await collector.waitFor(() => collector.accepted.some((b) => b.sequence === 0 && b.sessionId === first?.id), {
      what: 'the first batch',
    });
    const state = await page.evaluate(async () => {
      __probe.wasm.checkpoint();
      // Walked in slices on this large page: wait until it is buffered.
      await window.snapshotted('the checkpoint');
      const produced = __probe.produced;
      const flushed = window.recorder.flush(); // a ~100 KB compressed batch, now in the worker
      const taken = __probe.produced === produced + 1;
      window.recorder.withdrawConsent();
      const terminated = window.__workers[0].__terminated;
      await flushed; // released by the withdrawal
      return { taken, terminated, mainGzips: __probe.mainGzips };
    });
    assert.deepEqual(state, { taken: true, terminated: true, mainGzips: 0 }, 'the batch was taken, then dropped with the worker');
    // Consent again: a new session, a new worker. Its snapshot arriving shows the page went on
    // working; nothing of the first session was sent after the withdrawal (FIFO, one worker).
    await page.evaluate(async () => {
      window.recorder.grantConsent();
      // A large page's snapshot is taken in slices: wait until it is complete (the wrapper
      // sends it by itself within SNAPSHOT_CHECK_INTERVAL, so `pendingEvents()` may already
      // be back to 0 when this looks: it is no sign to wait for), then flush what is left.
      await window.snapshotted('the snapshot of the new session');
      await window.recorder.flush();
    });
    const second = await page.evaluate(() => JSON.parse(sessionStorage.getItem('reticent.session') ?? 'null'));
    assert.notEqual(second.id, first.id);
    await collector.waitFor(() => collector.accepted.some((b) => b.sessionId === second.id), { what: 'the new session' });
    const ofFirst = collector.accepted.filter((b) => b.sessionId === first.id);
    assert.deepEqual(
      ofFirst.map((b) => b.sequence),
      [0],
      'only the batch accepted before the withdrawal',
    );
    assert.equal(await page.evaluate(() => window.__workers.length), 2);
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });
});
