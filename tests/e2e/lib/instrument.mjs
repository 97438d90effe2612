// An init script (runs before any page script) that counts what the recorder must not do
// before consent: read the DOM, construct a MutationObserver, write storage or cookies.
// Counters live in window.__counts; the test reads them with page.evaluate (which touches
// no instrumented API).
export const INSTRUMENT = () => {
  const counts = { domReads: 0, observers: 0, storageWrites: 0, cookieWrites: 0 };
  // @ts-ignore
  window.__counts = counts;
  const getters = [
    [Node.prototype, ['firstChild', 'lastChild', 'nextSibling', 'childNodes', 'parentNode', 'nodeValue', 'textContent']],
    [Element.prototype, ['attributes', 'innerHTML', 'outerHTML', 'shadowRoot']],
    [Document.prototype, ['documentElement', 'body', 'head', 'title', 'doctype']],
    [CharacterData.prototype, ['data']],
    [HTMLInputElement.prototype, ['value', 'checked']],
  ];
  for (const [proto, names] of getters) {
    for (const name of names) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (!d || !d.get) continue;
      const get = d.get;
      Object.defineProperty(proto, name, { ...d, get() { counts.domReads++; return get.call(this); } });
    }
  }
  const methods = [
    [Document.prototype, ['querySelector', 'querySelectorAll', 'getElementById', 'getElementsByTagName', 'createTreeWalker']],
    [Element.prototype, ['querySelector', 'querySelectorAll', 'getBoundingClientRect', 'getAttribute']],
  ];
  // The script-tag build reads the data-* attributes of its own <script> element: that is
  // its configuration, not the page's content, and the only element it may read early.
  const ownScript = (el) => el instanceof HTMLScriptElement && /\/reticent\.js(\?|$)/.test(el.src);
  for (const [proto, names] of methods) {
    for (const name of names) {
      const f = proto[name];
      proto[name] = function (...args) {
        if (!(name === 'getAttribute' && ownScript(this))) counts.domReads++;
        return f.apply(this, args);
      };
    }
  }
  const MO = window.MutationObserver;
  window.MutationObserver = class extends MO {
    constructor(cb) { counts.observers++; super(cb); }
  };
  for (const name of ['setItem', 'removeItem', 'clear']) {
    const f = Storage.prototype[name];
    Storage.prototype[name] = function (...args) { counts.storageWrites++; return f.apply(this, args); };
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    ...cookie,
    set(v) { counts.cookieWrites++; cookie.set.call(this, v); },
  });
};
