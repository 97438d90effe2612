// How long the core's takeBatch (encode + gzip) takes for the full snapshot of a large page
// (10,000 elements), in headless Chromium; also the synchronous checkpoint() snapshot walk and
// grantConsent (whose first snapshot may be sliced over timers, so it measures the first slice). Reports the figures (t.diagnostic); asserts only
// that the work happened: no timing assertion (machines differ).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage } from '../e2e/lib/browser.mjs';
import { startCollector, testFiles, testPage } from './lib.mjs';

function largeBody(elements) {
  let html = '<main>';
  // 10 elements per row: div > (h3, p > (span, a, em), ul > (li, li), input, button)
  for (let i = 0; i < elements / 10; i++) {
    html += `<div class="row r${i % 50}" id="row${i}"><h3>Item ${i}</h3><p>Description of item ${i} <span>tag ${i % 7}</span> <a href="/item/${i}?ref=list">open</a> <em>new</em></p><ul><li>size ${i % 5}</li><li>colour ${i % 9}</li></ul><input name="q${i}" value="v${i}"><button type="button">Add</button></div>`;
  }
  return html + '</main>';
}

describe('takeBatch cost on a large page', () => {
  let browser;
  let collector;
  before(async () => {
    collector = await startCollector({ pages: { '/': testPage(largeBody(10_000)) }, files: await testFiles() });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
  });

  it('measures the snapshot (grantConsent) and takeBatch of a 10,000-element page', async (t) => {
    const { page, allErrors } = await openPage(browser);
    await page.goto(`${collector.origin}/`);
    const elements = await page.evaluate(() => document.body.getElementsByTagName('*').length);
    assert.ok(elements >= 10_000, `${elements} elements`);
    await page.evaluate(() => window.start({ flushInterval: 600_000, maxBatchBytes: 1024 * 1024 }));
    // Five more snapshots, each taken and encoded on its own.
    for (let i = 0; i < 5; i++) await page.evaluate(() => window.produce());
    const probe = await page.evaluate(() => ({ ...window.__probe, wasm: undefined }));
    await collector.waitFor(() => collector.accepted.length >= 6, { what: '6 batches' });
    assert.equal(probe.takeBatchMs.length, 6);
    const ms = probe.takeBatchMs.map((x) => Math.round(x * 10) / 10);
    const sorted = [...ms].sort((a, b) => a - b);
    const report = {
      elements,
      grantConsentMs: probe.grantMs.map((x) => Math.round(x * 10) / 10),
      checkpointSnapshotMs: probe.checkpointMs.map((x) => Math.round(x * 10) / 10),
      takeBatchMs: ms,
      takeBatchMedianMs: sorted[Math.floor(sorted.length / 2)],
      batchBytes: probe.batchBytes,
    };
    t.diagnostic(`takeBatch timing: ${JSON.stringify(report)}`);
    if (process.env.TIMING_REPORT) (await import('node:fs')).writeFileSync(process.env.TIMING_REPORT, JSON.stringify(report, null, 1));
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });
});
