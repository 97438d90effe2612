// Where the time of a batch goes on a large page (10,000 elements), in headless Chromium, and how
// much of it stays on the main thread now that gzip runs in a worker:
//  - before: the module's one-call takeBatch (drain + MessagePack + gzip, all on the main thread),
//    and the same batch taken in two steps (takeRawBatch, then gzipBatch) to split encode from gzip;
//  - after: the recorder's flush(), whose synchronous part (takeRawBatch + posting the bytes to the
//    compression worker) is what the page's main thread still pays; gzip happens in the worker.
// Also checkpoint() and grantConsent (whose snapshots of a large page are sliced over timers, so
// these measure the first slice), and the longest long task of each phase.
// Reports the figures (t.diagnostic); asserts only that the work happened, and where (no gzip on
// the main thread with the worker): no timing assertion (machines differ).
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

const round = (xs) => xs.map((x) => Math.round(x * 10) / 10);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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

  /** Opens the large page in a fresh context, with a long-task log. */
  async function freshPage() {
    const opened = await openPage(browser);
    await opened.page.addInitScript(() => {
      window.__longtasks = [];
      try {
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longtasks.push(e.duration);
        }).observe({ type: 'longtask' });
      } catch {
        // No long-task API: reported as empty.
      }
    });
    await opened.page.goto(`${collector.origin}/`);
    return opened;
  }

  /**
   * Before: the module directly, everything on the main thread, six rounds on a fresh page.
   * Each round takes one batch in one call (takeBatch) and one in two (takeRawBatch, then
   * gzipBatch); `splitFirst` says which comes first, i.e. which one pays the first, cold batch.
   */
  async function direct(splitFirst) {
    const { page, allErrors } = await freshPage();
    const out = await page.evaluate(async (splitFirst) => {
      // Loads the module (a recorder that never gets consent does nothing else).
      (await TestReticent.init({ endpoint: '/ingest', consent: 'manual', wasmUrl: '/reticent_bg.wasm' })).stop();
      const { Recorder, gzipBatch } = window.__glue;
      const r = new Recorder({});
      r.grantConsent('timing', 'before');
      while (r.pendingEvents() === 0) await new Promise((res) => setTimeout(res, 20));
      const out = { takeBatchMs: [], encodeMs: [], gzipMs: [], rawBytes: [], wireBytes: [] };
      const oneCall = () => {
        const t0 = performance.now();
        const wire = r.takeBatch();
        out.takeBatchMs.push(performance.now() - t0);
        out.wireBytes.push(wire.byteLength);
      };
      const twoSteps = () => {
        let t0 = performance.now();
        const raw = r.takeRawBatch();
        out.encodeMs.push(performance.now() - t0);
        t0 = performance.now();
        const gz = gzipBatch(raw);
        out.gzipMs.push(performance.now() - t0);
        out.rawBytes.push(raw.byteLength);
        if (gz.byteLength === 0) throw new Error('empty batch');
      };
      const lt0 = window.__longtasks.length;
      // A checkpoint of this large page is walked in slices: wait until it is buffered.
      const checkpoint = async () => {
        r.checkpoint();
        while (r.snapshotPending) await new Promise((res) => setTimeout(res, 0));
      };
      for (let i = 0; i < 6; i++) {
        // The first batch is the snapshot grantConsent buffered; the others a checkpoint's.
        if (i > 0) await checkpoint();
        (splitFirst ? twoSteps : oneCall)();
        await checkpoint();
        (splitFirst ? oneCall : twoSteps)();
        await new Promise((res) => setTimeout(res, 0)); // one task per round, for the long-task log
      }
      r.withdrawConsent();
      r.free();
      await new Promise((res) => setTimeout(res, 100));
      out.longTasksMs = window.__longtasks.slice(lt0);
      return out;
    }, splitFirst);
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
    return {
      takeBatchMs: round(out.takeBatchMs),
      encodeMs: round(out.encodeMs),
      gzipMs: round(out.gzipMs),
      medianMs: { takeBatch: median(round(out.takeBatchMs)), encode: median(round(out.encodeMs)), gzip: median(round(out.gzipMs)) },
      rawBytes: out.rawBytes,
      wireBytes: out.wireBytes,
      longestLongTaskMs: Math.round(Math.max(0, ...out.longTasksMs)),
    };
  }

  it('measures encode vs gzip on the main thread (before) and what flush() leaves there with the worker (after)', async (t) => {
    const coldOneCall = await direct(false);
    const coldSplit = await direct(true);

    // After: the recorder with its compression worker, on a fresh page.
    const { page, allErrors } = await freshPage();
    const elements = await page.evaluate(() => document.body.getElementsByTagName('*').length);
    assert.ok(elements >= 10_000, `${elements} elements`);
    await page.evaluate(() => window.start({ flushInterval: 600_000, maxBatchBytes: 1024 * 1024 }));
    const viaWorker = await page.evaluate(async () => {
      const flushSyncMs = [];
      const lt0 = window.__longtasks.length;
      for (let i = 0; i < 5; i++) {
        __probe.wasm.checkpoint();
        // Walked in slices on this large page: wait until it is buffered.
        await window.snapshotted('the checkpoint');
        const t0 = performance.now();
        const flushed = window.recorder.flush();
        flushSyncMs.push(performance.now() - t0);
        await flushed;
      }
      await new Promise((res) => setTimeout(res, 100));
      return { flushSyncMs, longTasksMs: window.__longtasks.slice(lt0) };
    });
    const probe = await page.evaluate(() => ({ ...window.__probe, wasm: undefined }));
    await collector.waitFor(() => collector.accepted.length >= 6, { what: '6 batches' });
    assert.equal(probe.takeBatchMs.length, 6);
    assert.equal(probe.mainGzips, 0, 'with the worker, no batch was compressed on the main thread');
    for (const b of collector.accepted) assert.deepEqual(b.types.slice(0, 2), [4, 2], 'Meta + FullSnapshot, decoded');

    const report = {
      elements,
      // The first batch in one call (cold), and the warm rounds.
      beforeOneCallFirst: coldOneCall,
      // The first batch in two steps (cold): encode vs gzip.
      beforeSplitFirst: coldSplit,
      after: {
        // flush(): takeRawBatch + posting the MessagePack bytes to the worker (gzip runs there).
        flushMainThreadMs: round(viaWorker.flushSyncMs),
        // The recorder's first batch (the snapshot at consent) and the five checkpoints.
        takeRawBatchMs: round(probe.takeBatchMs),
        rawBytes: probe.rawBytes,
        wireBytes: collector.accepted.map((b) => b.bytes),
        // Includes the checkpoint() walk's slices (~20 ms each) that precede each flush.
        longestLongTaskMs: Math.round(Math.max(0, ...viaWorker.longTasksMs)),
      },
      grantConsentMs: round(probe.grantMs),
      checkpointSnapshotMs: round(probe.checkpointMs),
    };
    t.diagnostic(`takeBatch timing: ${JSON.stringify(report)}`);
    if (process.env.TIMING_REPORT) (await import('node:fs')).writeFileSync(process.env.TIMING_REPORT, JSON.stringify(report, null, 1));
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });
});
