// Replay fidelity: pages of varied structure are recorded by the script-tag build, the batches
// are decoded by `reticent decode`, the rrweb JSON is replayed by @rrweb/replay's Replayer, and
// screenshots of the original page and of the replay at the same moments are compared pixel by
// pixel (pixelmatch). Two moments per page: (1) after load and the page's own dynamic updates,
// (2) after a scripted sequence of DOM mutations, form input and a scroll.
//
// Like with like: the recorder masks everything (text → '*', form values → '********'), so the
// ORIGINAL screenshot is taken from a separate load of the same page (no recorder) on which
// lib.mjs' maskLivePage() — a twin of the recorder's masking — is applied just before the
// screenshot. Masking the recorded page itself would be recorded as mutations. The comparison
// therefore measures structure, layout and CSS fidelity, not content.
//
// Threshold: similarity = 1 − (differing pixels / 1024×768). A page passes at ≥ 99.5 %.
// Why: with identical masking, a faithful replay renders the same DOM with the same CSS in the
// same engine at the same size, so the expected difference is ~0; the remainder comes from
// rendering noise (anti-aliasing at the edges of rotated or rounded boxes, which pixelmatch
// mostly discounts). 0.5 % is 3,932 pixels ≈ a 63×63 square, smaller than any component of the
// pages (a button is ~100×35 = 3,500 px; a card ~250×160): a lost stylesheet rule, a missing or
// extra element, a wrong scroll position or a shifted layout all exceed it by far, so the
// threshold cannot hide a structural defect, while leaving room for sub-pixel noise.
//
// Pages whose replay is wrong because of a known recorder defect are listed in KNOWN with the
// reason; their tests are `todo` (reported, not failing CI). Each replay is also taken a second
// time from the same events with the two encoding defects corrected (lib.mjs
// correctKnownDefects: subtree adds flattened, iframe src → rr_src), a diagnostic column of the
// printed table that tells those defects apart from the others; it is never asserted.
// Screenshots and diff images land in artifacts/fidelity/ (gitignored), with each recording's
// events (<page>.events.json).
//
// Needs: `cd js && npm run build`, `cargo build -p reticent-server`, `cd tests && npm ci`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../e2e/lib/server.mjs';
import { launchBrowser } from '../e2e/lib/browser.mjs';
import { decode } from '../e2e/lib/decode.mjs';
import { distFile, reticentBin } from '../e2e/lib/paths.mjs';
import { ARTIFACTS, PAGES_DIR, REPLAY_PAGE, TESTS_NODE_MODULES, VIEWPORT, comparePng, correctKnownDefects, maskLivePage, withRecorder } from './lib.mjs';

/** Smallest similarity a page's replay must reach (see the header comment). */
const THRESHOLD = 0.995;

const PAGES = ['layout', 'table', 'form', 'shadow', 'iframe', 'cssom', 'adopted'];

/**
 * Known recorder defects: `${page}@${moment}` → reason. The test is then `todo`.
 * @type {Record<string, string>}
 */
// Fixed since this test found them, and guarded by it now: adds carrying whole subtrees (rrweb's
// replayer builds added nodes without children), an iframe's `src` loading the live page into the
// replay frame, linked and CSS-in-JS style sheets missing.
const KNOWN = {
};

/** Settle time after the page's own dynamic updates and after the scripted sequence. */
const SETTLE_MS = 600;

/** @type {{ page: string, moment: string, similarity: number, diffPixels: number, warnings: number, corrected: number }[]} */
const results = [];

describe('replay fidelity (record → decode → @rrweb/replay, screenshots compared)', () => {
  let server;
  let browser;
  /** @type {Map<string, Promise<{ events: any[], t1: number, t2: number }>>} */
  const recordings = new Map();

  before(async () => {
    distFile('reticent.js');
    reticentBin();
    const pages = { '/replay.html': REPLAY_PAGE };
    for (const name of PAGES) pages[`/rec/${name}.html`] = withRecorder(await readFile(join(PAGES_DIR, `${name}.html`), 'utf8'));
    server = await startServer({ pages, staticDirs: { '/pages/': PAGES_DIR, '/vendor/': TESTS_NODE_MODULES } });
    browser = await launchBrowser();
    await mkdir(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (results.length) {
      const pct = (x) => `${(x * 100).toFixed(3).padStart(9)}%`;
      const lines = [
        '',
        'page      moment        similarity   diff px   replay warnings   encoding corrected (diagnostic)',
        '--------  ------------  ----------  --------  ---------------   -------------------------------',
      ];
      for (const r of results) {
        lines.push(`${r.page.padEnd(8)}  ${r.moment.padEnd(12)}  ${pct(r.similarity)}  ${String(r.diffPixels).padStart(8)}  ${String(r.warnings).padStart(15)}   ${pct(r.corrected)}`);
      }
      lines.push(`threshold ${(THRESHOLD * 100).toFixed(1)} %; images in ${ARTIFACTS}`);
      console.log(lines.join('\n'));
    }
  });

  async function newPage() {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    return { context, page, errors };
  }

  /** The scripted sequence of the second moment: the page's mutations, typed input, a scroll. */
  async function interact(page) {
    await page.evaluate(() => /** @type {any} */ (window).step2());
    const fills = await page.evaluate(() => /** @type {any} */ (window).fills ?? {});
    for (const [selector, value] of Object.entries(fills)) await page.fill(selector, value);
    await page.evaluate(() => /** @type {any} */ (document.activeElement)?.blur?.());
    await page.evaluate(() => window.scrollTo(0, /** @type {any} */ (window).scrollY2 ?? 0));
    await sleep(SETTLE_MS);
  }

  async function settled(page) {
    await page.waitForFunction(() => /** @type {any} */ (window).__settled === true);
    await sleep(SETTLE_MS);
  }

  /** Records a page through both moments; resolves to the decoded events and the moments' times. */
  function record(name) {
    if (!recordings.has(name)) {
      recordings.set(name, (async () => {
        const { context, page, errors } = await newPage();
        try {
          const before = server.posts().length;
          await page.goto(server.url(`/rec/${name}.html`));
          await page.waitForFunction(() => /** @type {any} */ (window).__granted === true);
          await settled(page);
          const t1 = await page.evaluate(() => Date.now());
          await sleep(200);
          await interact(page);
          const t2 = await page.evaluate(() => Date.now());
          await sleep(200);
          await page.evaluate(() => /** @type {any} */ (window).recorder.flush());
          const posts = await server.waitForPosts(before + 1);
          await sleep(300);
          const mine = server.posts().slice(before);
          assert.ok(posts.length > before, 'no batch');
          const events = [];
          for (const p of mine) events.push(...(await decode(p.body)));
          events.sort((a, b) => a.timestamp - b.timestamp);
          assert.deepEqual(errors, [], `page errors while recording ${name}`);
          assert.ok(events.some((e) => e.type === 2), `no FullSnapshot in the recording of ${name}`);
          await writeFile(join(ARTIFACTS, `${name}.events.json`), JSON.stringify({ t1, t2, events }));
          return { events, t1, t2 };
        } finally {
          await context.close();
        }
      })());
    }
    return recordings.get(name);
  }

  /** Screenshot of a separate load of the page, masked like the recorder masks, at a moment. */
  async function original(name, moment) {
    const { context, page, errors } = await newPage();
    try {
      await page.goto(server.url(`/pages/${name}.html`));
      await settled(page);
      if (moment === 'interactions') await interact(page);
      await page.evaluate(maskLivePage);
      await sleep(100);
      assert.deepEqual(errors, [], `page errors on the original ${name}`);
      return await page.screenshot({ clip: { x: 0, y: 0, ...VIEWPORT } });
    } finally {
      await context.close();
    }
  }

  /** Screenshot of the replay paused at `offset` ms after the first event. */
  async function replay(events, offset) {
    const { context, page, errors } = await newPage();
    try {
      await page.goto(server.url('/replay.html'));
      await page.evaluate(([ev, at]) => /** @type {any} */ (window).replayAt(ev, at), [events, offset]);
      // Stylesheets referenced by the replayed document load asynchronously.
      await sleep(800);
      const warnings = await page.evaluate(() => /** @type {any} */ (window).__warnings);
      assert.deepEqual(errors, [], 'page errors on the replay page');
      const frame = await page.locator('.replayer-wrapper iframe').boundingBox();
      assert.ok(frame && frame.x === 0 && frame.y === 0, `replay frame not at the top-left corner: ${JSON.stringify(frame)}`);
      assert.deepEqual([frame.width, frame.height], [VIEWPORT.width, VIEWPORT.height], 'replay frame size differs from the recorded viewport');
      return { png: await page.screenshot({ clip: { x: 0, y: 0, ...VIEWPORT } }), warnings };
    } finally {
      await context.close();
    }
  }

  for (const name of PAGES) {
    for (const moment of ['load', 'interactions']) {
      const key = `${name}@${moment}`;
      it(`${name}: replay matches the masked original (${moment})`, { todo: KNOWN[key] }, async () => {
        const { events, t1, t2 } = await record(name);
        const at = (moment === 'load' ? t1 : t2) - events[0].timestamp;
        const orig = await original(name, moment);
        const rep = await replay(events, at);
        const cmp = comparePng(orig, rep.png);
        await writeFile(join(ARTIFACTS, `${name}-${moment}-original.png`), orig);
        await writeFile(join(ARTIFACTS, `${name}-${moment}-replay.png`), rep.png);
        await writeFile(join(ARTIFACTS, `${name}-${moment}-diff.png`), cmp.diffPng);
        // Diagnostic: the same events with the known encoding defects corrected (lib.mjs).
        const flat = await replay(correctKnownDefects(events), at);
        const cmpFlat = comparePng(orig, flat.png);
        await writeFile(join(ARTIFACTS, `${name}-${moment}-replay-corrected.png`), flat.png);
        await writeFile(join(ARTIFACTS, `${name}-${moment}-diff-corrected.png`), cmpFlat.diffPng);
        results.push({ page: name, moment, similarity: cmp.similarity, diffPixels: cmp.diffPixels, warnings: rep.warnings.length, corrected: cmpFlat.similarity });
        assert.ok(
          cmp.similarity >= THRESHOLD,
          `${key}: similarity ${(cmp.similarity * 100).toFixed(3)} % < ${(THRESHOLD * 100).toFixed(1)} % ` +
            `(${cmp.diffPixels} px differ; see ${ARTIFACTS}/${name}-${moment}-diff.png; replay warnings: ${JSON.stringify(rep.warnings.slice(0, 5))})`,
        );
      });
    }
  }
});
