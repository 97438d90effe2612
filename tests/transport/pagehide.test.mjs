// A page that goes away right after activity still delivers its last batch
// (pagehide → keepalive fetch), whether the tab closes or navigates away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage } from '../e2e/lib/browser.mjs';
import { startCollector, testFiles, testPage } from './lib.mjs';

describe('page exit', () => {
  let browser;
  let collector;
  before(async () => {
    collector = await startCollector({
      pages: { '/': testPage(), '/next': '<!doctype html><title>next</title><p>next page</p>' },
      files: await testFiles(),
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
  });

  for (const how of ['close', 'navigate']) {
    it(`delivers the last batch when the page ${how === 'close' ? 'closes' : 'navigates away'}`, async () => {
      const { page, allErrors } = await openPage(browser);
      await page.goto(`${collector.origin}/`);
      await page.evaluate(() => window.start({ flushInterval: 600_000 }));
      const pageViewId = await (async () => {
        await collector.waitFor(() => collector.accepted.length > 0 && collector.accepted.at(-1).sequence === 0, { what: 'the first batch' });
        return collector.accepted.at(-1).pageViewId;
      })();
      // Activity that no timer will flush (the interval is 10 minutes).
      await page.evaluate(() => {
        window.__probe.wasm.checkpoint();
        document.querySelector('h1').textContent = 'changed';
      });
      assert.deepEqual(await allErrors(), []);
      if (how === 'close') await page.close({ runBeforeUnload: true });
      else await page.goto(`${collector.origin}/next`);
      await collector.waitFor(() => collector.accepted.some((b) => b.pageViewId === pageViewId && b.sequence === 1), {
        what: 'the batch sent on pagehide',
        timeoutMs: 30_000,
      });
      const last = collector.accepted.find((b) => b.pageViewId === pageViewId && b.sequence === 1);
      assert.ok(last.types.includes(2), 'it holds the checkpoint full snapshot');
      if (how === 'navigate') await page.context().close();
    });
  }
});
