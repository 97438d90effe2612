// An init script (runs before any page script) like ./instrument.mjs, for pages that run a
// real CMP: the CMP itself reads the DOM (it renders its banner), builds observers and writes
// its own cookie or storage, so raw counts would blame the recorder for the CMP's work.
// Every counted call is attributed by its immediate caller, read from a stack trace taken in
// the wrapper: the first frame after the wrapper that is not a native built-in. A caller in
// Reticent's bundle (a URL ending in /reticent.js) or in WebAssembly (the only wasm on these
// pages is Reticent's core; wasm-bindgen may import a DOM function directly) is the recorder;
// anything else is the page or the CMP. Attribution by the *immediate* caller keeps a CMP's
// own work out of the recorder's count even when that work runs inside a call from
// Reticent's adapter (e.g. `klaro.getManager()` creating Klaro's manager, which looks up
// its service elements).
//
// window.__counts = {
//   recorder: { domReads, observers, storageWrites, cookieWrites },
//   other:    { domReads, observers, storageWrites, cookieWrites },
//   storage:  [{ area: 'local'|'session', op, key, byRecorder }],   // every storage write
//   cookies:  [{ name, byRecorder }],                                 // every cookie write
// }
// The test reads it with page.evaluate (which touches no instrumented API).
export const INSTRUMENT_ATTRIBUTED = () => {
  const zero = () => ({ domReads: 0, observers: 0, storageWrites: 0, cookieWrites: 0 });
  const counts = { recorder: zero(), other: zero(), storage: [], cookies: [] };
  // @ts-ignore
  window.__counts = counts;
  const OwnError = Error;
  const RECORDER = /\/reticent\.js(?:[?#][^:]*)?:\d+:\d+|wasm:\/\//;
  const NATIVE = /\((?:<anonymous>|native)\)$|^\s*at (?:new )?[\w$.<>]+ \(?(?:<anonymous>|native)\)?$/;
  /** True when the code that called the wrapper (skipping built-ins such as Reflect.get) is Reticent's. */
  const byRecorder = () => {
    const lines = String(new OwnError().stack || '').split('\n');
    // lines[0] "Error", [1] byRecorder, [2] bump, [3] the wrapper, then the callers.
    for (let i = 4; i < lines.length; i++) {
      const line = lines[i].trim();
      if (NATIVE.test(line)) continue;
      return RECORDER.test(line);
    }
    return false;
  };
  const bump = (field) => {
    const mine = byRecorder();
    (mine ? counts.recorder : counts.other)[field]++;
    return mine;
  };
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
      Object.defineProperty(proto, name, {
        ...d,
        get() {
          bump('domReads');
          return get.call(this);
        },
      });
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
        if (!(name === 'getAttribute' && ownScript(this))) bump('domReads');
        return f.apply(this, args);
      };
    }
  }
  const MO = window.MutationObserver;
  window.MutationObserver = class extends MO {
    constructor(cb) {
      bump('observers');
      super(cb);
    }
  };
  for (const op of ['setItem', 'removeItem', 'clear']) {
    const f = Storage.prototype[op];
    Storage.prototype[op] = function (...args) {
      const mine = bump('storageWrites');
      counts.storage.push({ area: this === window.sessionStorage ? 'session' : 'local', op, key: args[0] ?? null, byRecorder: mine });
      return f.apply(this, args);
    };
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    ...cookie,
    set(v) {
      const mine = bump('cookieWrites');
      counts.cookies.push({ name: String(v).split('=')[0].trim(), byRecorder: mine });
      cookie.set.call(this, v);
    },
  });
};
