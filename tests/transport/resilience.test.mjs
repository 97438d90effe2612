// The transport against a collector that goes down (connection refused), answers 500,
// 429 with Retry-After, 413, hangs, then comes back. Checks, in headless Chromium with the
// real module: no batch the collector accepted is duplicated; none is lost except counted
// drops (accepted + the sum of their `dropped` headers = batches the core produced); what
// the page held during the outage stayed within maxQueueBytes; the page saw no error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser, openPage } from '../e2e/lib/browser.mjs';
import { startCollector, testFiles, testPage } from './lib.mjs';

const MAX_QUEUE_BYTES = 65_536; // the smallest accepted cap, so the outage overflows it

describe('transport resilience', () => {
  let browser;
  let collector;
  before(async () => {
    collector = await startCollector({ pages: { '/': testPage(bigBody()) }, files: await testFiles() });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
  });

  it('delivers each accepted batch once and counts every loss, through every kind of outage', async () => {
    const { page, allErrors } = await openPage(browser);
    await page.goto(`${collector.origin}/`);
    await page.evaluate(
      (max) => window.start({ flushInterval: 600_000, maxQueueBytes: max, requestTimeout: 2000 }),
      MAX_QUEUE_BYTES,
    );
    const produce = async (n) => {
      for (let i = 0; i < n; i++) await page.evaluate(() => window.produce());
    };
    // The first batch (the snapshot), as compressed and sent (compression may run in a worker).
    await collector.waitFor(() => collector.accepted.length >= 1, { what: 'the first batch' });
    const batchBytes = collector.accepted[0].bytes;
    assert.ok(batchBytes > 0);

    // Healthy.
    await produce(2);
    await collector.waitFor(() => collector.accepted.length >= 3, { what: '3 accepted batches' });

    // Each phase lasts until the collector saw what it is about (the queue may be waiting
    // out a backoff of up to a minute), never a fixed time.
    const seen = (mode, n = 1) =>
      collector.waitFor(() => collector.posts.filter((p) => p.mode === mode).length >= n, {
        what: `${n} POST(s) answered ${mode}`,
        timeoutMs: 150_000,
      });

    // 500s.
    collector.setBehaviour('500');
    await produce(3);
    await seen('500', 2);

    // Connection refused, long enough to overflow the queue.
    await collector.down();
    const overflow = Math.ceil((2 * MAX_QUEUE_BYTES) / batchBytes) + 2;
    await produce(overflow);
    await sleep(1000);
    await collector.up();

    // 429 with Retry-After: 1, answered twice (the retry honours it).
    collector.setBehaviour('429');
    await produce(1);
    await seen('429', 2);

    // 413: whatever is at the head is refused and dropped.
    collector.setBehaviour('413');
    await seen('413', 2);

    // Hangs: attempts time out after requestTimeout (2 s) and are retried.
    collector.setBehaviour('hang');
    await produce(1);
    await seen('hang', 2);

    // Back. One more batch carries the last drop count.
    collector.setBehaviour('ok');
    const producedSoFar = await page.evaluate(() => window.__probe.produced);
    await collector.waitFor(
      () => collector.accepted.some((b) => b.sequence >= producedSoFar - 1),
      { what: 'the queue to drain after recovery', timeoutMs: 120_000 },
    );
    await produce(1);
    const produced = await page.evaluate(() => window.__probe.produced);
    await collector.waitFor(() => collector.accepted.some((b) => b.sequence === produced - 1), {
      what: 'the last batch',
      timeoutMs: 120_000,
    });

    if (process.env.DEBUG_TRANSPORT) (await import('node:fs')).writeFileSync(process.env.DEBUG_TRANSPORT, collector.posts.map((p) => `${p.at % 100000} ${p.mode} ${p.seq}`).join('\n'));
    const keys = collector.accepted.map((b) => `${b.sessionId}/${b.pageViewId}/${b.sequence}`);
    assert.equal(new Set(keys).size, keys.length, `a batch was accepted twice: ${keys.join(' ')}`);
    assert.equal(new Set(collector.accepted.map((b) => b.pageViewId)).size, 1);
    const dropped = collector.accepted.reduce((sum, b) => sum + b.dropped, 0);
    assert.ok(dropped > 0, 'the scenario made the queue drop batches');
    assert.ok(collector.posts.some((p) => p.mode === '413'), 'a 413 was answered');
    assert.ok(collector.posts.some((p) => p.mode === '429'), 'a 429 was answered');
    assert.ok(collector.posts.some((p) => p.mode === 'hang'), 'a request hung');
    assert.equal(collector.accepted.length + dropped, produced, `accepted ${collector.accepted.length} + dropped ${dropped} != produced ${produced}`);
    // Order is kept: one request at a time outside page exit.
    const seqs = collector.accepted.map((b) => b.sequence);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'accepted in sequence order');

    // Memory: the batches of the outage that survived it fit in the cap (plus the one in flight).
    const outage = collector.accepted.filter((b) => b.sequence >= 3 && b.sequence < 3 + 3 + overflow);
    const held = outage.reduce((sum, b) => sum + b.bytes, 0);
    assert.ok(held <= MAX_QUEUE_BYTES + batchBytes, `${held} bytes survived the outage, cap ${MAX_QUEUE_BYTES}`);

    for (const b of collector.accepted) assert.equal(b.contentType, 'application/vnd.reticent.batch+msgpack');
    assert.deepEqual(await allErrors(), []);
    await page.context().close();
  });
});

/** A page whose snapshot batch is a few kilobytes, so an outage overflows a 64 KiB queue quickly. */
function bigBody() {
  let html = '<main>';
  for (let i = 0; i < 400; i++) {
    html += `<section id="s${i}" class="c${i % 17} k${(i * 7919) % 1000}"><h2>Part ${i}</h2><p data-n="${(i * 104729) % 99991}">Text ${i}</p></section>`;
  }
  return html + '</main>';
}
