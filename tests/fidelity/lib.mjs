// Helpers of the fidelity tests: the masking twin of the recorder (applied to the live page
// for the "original" screenshot), the recording snippet, the replay page and the pixel diff.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import pixelmatch from 'pixelmatch';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const PAGES_DIR = join(here, 'pages');
export const TESTS_NODE_MODULES = join(REPO_ROOT, 'tests', 'node_modules');
export const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'fidelity');

/** Viewport of every page: recorded, original and replay. */
export const VIEWPORT = { width: 1024, height: 768 };

/**
 * Runs in the page: masks the live DOM the way the recorder masks what it records, so that
 * the original and the replay show the same glyphs. Mirrors
 * `reticent_core::privacy::mask::mask_text` (every char that is neither whitespace nor ASCII
 * punctuation other than `*` becomes `*`, per Unicode scalar value) and
 * `mask_input_value` (non-empty form values become `********`); checkboxes and radios lose
 * their checked state (not recorded); placeholders are masked like text. It walks open
 * shadow roots and same-origin iframe documents; <style>/<script> text is left alone (CSS is
 * recorded, scripts are not rendered).
 */
export function maskLivePage() {
  const PUNCT = '!"#$%&\'()+,-./:;<=>?@[\\]^_`{|}~';
  const mask = (s) => Array.from(s, (c) => (/^\s$/u.test(c) || PUNCT.includes(c) ? c : '*')).join('');
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentNode && node.parentNode.nodeName;
      if (parent !== 'STYLE' && parent !== 'SCRIPT' && parent !== 'TEXTAREA') node.data = mask(node.data);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      const el = /** @type {any} */ (node);
      if (el.hasAttribute('placeholder')) el.setAttribute('placeholder', mask(el.getAttribute('placeholder')));
      if (el.tagName === 'INPUT') {
        if (el.type === 'checkbox' || el.type === 'radio') {
          el.removeAttribute('checked');
          el.checked = false;
        } else if (el.value !== '') {
          el.setAttribute('value', '********');
          el.value = '********';
        }
      } else if (el.tagName === 'TEXTAREA') {
        if (el.value !== '') el.value = '********';
      } else if (el.tagName === 'SELECT') {
        // Option `selected` states are not recorded: the replay shows the default option.
        for (const o of el.options) o.removeAttribute('selected');
        el.selectedIndex = el.options.length ? 0 : -1;
      }
      if (el.shadowRoot) walk(el.shadowRoot);
      if (el.tagName === 'IFRAME' && el.contentDocument) walk(el.contentDocument);
    }
    for (const child of [...node.childNodes]) walk(child);
  };
  walk(document);
}

/** The snippet injected right after <head> of a page to record it (granted at DOMContentLoaded). */
export const RECORDER_SNIPPET = `<script src="/reticent.js"></script>
<script>
  window.__rec = Reticent.init({ endpoint: location.origin + '/ingest', consent: 'manual', flushInterval: 600000 })
    .then(function (r) {
      window.recorder = r;
      function go() { r.grantConsent(); window.__granted = true; }
      if (document.readyState === 'loading') addEventListener('DOMContentLoaded', go); else go();
      return r;
    });
</script>`;

/** Inserts the recorder snippet into a page's HTML. */
export function withRecorder(html) {
  const at = html.indexOf('<head>');
  if (at < 0) throw new Error('page has no <head>');
  return html.slice(0, at + 6) + '\n' + RECORDER_SNIPPET + html.slice(at + 6);
}

/**
 * The replay page: @rrweb/replay's UMD bundle and stylesheet from tests/node_modules (served
 * under /vendor/), the replayer's frame at the top-left corner at 1:1 scale, no mouse cursor.
 * `window.replayAt(events, offsetMs)` builds a Replayer and pauses it at `offsetMs` after
 * the first event.
 */
export const REPLAY_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>replay</title>
<link rel="stylesheet" href="/vendor/@rrweb/replay/dist/style.css">
<style>
  html, body { margin: 0; padding: 0; overflow: hidden; background: #fff; }
  .replayer-wrapper { position: absolute; top: 0; left: 0; }
  .replayer-wrapper iframe { border: 0; display: block; }
  .replayer-mouse, .replayer-mouse-tail { display: none !important; }
</style>
<script src="/vendor/@rrweb/replay/dist/replay.umd.cjs"></script>
</head><body><div id="root"></div>
<script>
  window.__warnings = [];
  window.replayAt = function (events, offset) {
    var replayer = new rrwebReplay.Replayer(events, {
      root: document.getElementById('root'),
      mouseTail: false,
      showWarning: true,
      triggerFocus: false,
      UNSAFE_replayCanvas: false,
      skipInactive: false,
      logger: { log: function () {}, warn: function () { window.__warnings.push(Array.prototype.join.call(arguments, ' ')); } },
    });
    window.replayer = replayer;
    replayer.pause(offset);
    return true;
  };
</script>
</body></html>`;

/**
 * Compares two PNG screenshots of the same size. Returns { similarity, diffPixels, total,
 * diffPng }. pixelmatch's per-pixel colour threshold 0.1 (its default) ignores imperceptible
 * colour noise; anti-aliased pixels are detected and not counted (includeAA: false).
 * @param {Buffer} a
 * @param {Buffer} b
 */
export function comparePng(a, b) {
  const A = PNG.sync.read(a);
  const B = PNG.sync.read(b);
  if (A.width !== B.width || A.height !== B.height) {
    throw new Error(`screenshots differ in size: ${A.width}×${A.height} vs ${B.width}×${B.height}`);
  }
  const diff = new PNG({ width: A.width, height: A.height });
  const diffPixels = pixelmatch(A.data, B.data, diff.data, A.width, A.height, { threshold: 0.1 });
  const total = A.width * A.height;
  return { similarity: 1 - diffPixels / total, diffPixels, total, diffPng: PNG.sync.write(diff) };
}

/**
 * Diagnostic only: the events with the two encoding defects found by this test corrected the
 * way rrweb's recorder encodes them: subtree adds flattened (rewriteAdds) and `src` of
 * iframes renamed `rr_src` in the snapshot and in adds (else the replayer loads the live page
 * into the replay frame on top of the recorded, masked document).
 * @param {any[]} events
 */
export function correctKnownDefects(events) {
  const fix = (node) => {
    if (!node || typeof node !== 'object') return node;
    let out = node;
    if (node.type === 2 && node.tagName === 'iframe' && node.attributes && 'src' in node.attributes) {
      const { src, ...attributes } = node.attributes;
      out = { ...node, attributes: { ...attributes, rr_src: src } };
    }
    if (Array.isArray(out.childNodes)) out = { ...out, childNodes: out.childNodes.map(fix) };
    return out;
  };
  return rewriteAdds(events).map((e) => {
    if (e.type === 2) return { ...e, data: { ...e.data, node: fix(e.data.node) } };
    if (e.type === 3 && e.data?.source === 0) {
      return { ...e, data: { ...e.data, adds: e.data.adds.map((a) => ({ ...a, node: fix(a.node) })) } };
    }
    return e;
  });
}

/**
 * Diagnostic only (never what the assertion measures): rewrites every mutation `add` whose
 * node carries a serialised subtree into one add per node, parent first and children in order
 * (nextId null = append), the shape rrweb's own recorder emits. @rrweb/replay builds an added
 * node with `skipChild: true`, so the subtree's descendants are otherwise dropped. Comparing
 * the similarity with and without this rewrite isolates that defect from any other.
 * @param {any[]} events
 */
function rewriteAdds(events) {
  return events.map((e) => {
    if (e.type !== 3 || e.data?.source !== 0 || !Array.isArray(e.data.adds)) return e;
    const adds = [];
    const push = (parentId, nextId, node) => {
      const { childNodes, ...rest } = node;
      adds.push({ parentId, nextId, node: childNodes ? { ...rest, childNodes: [] } : rest });
      for (const child of childNodes ?? []) push(node.id, null, child);
    };
    for (const a of e.data.adds) push(a.parentId, a.nextId, a.node);
    return { ...e, data: { ...e.data, adds } };
  });
}
