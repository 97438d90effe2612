// The demo shop's consent banner: a stand-in for a real consent manager (CMP).
//
// It belongs to the site, not to Reticent: it shows a banner until the visitor
// chooses, remembers the choice in localStorage (as a CMP does with its own
// storage), re-applies it on every page load, and tells listeners. It knows
// nothing about Reticent; reticent-setup.js listens to it. A later version of
// the demo replaces this file with a real CMP (tarteaucitron).
//
// API (window.DemoCmp):
//   choice()      'granted' | 'denied' | null (not decided yet)
//   onChange(cb)  cb(choice) after every decision
//   open()        shows the banner again (the footer's "Privacy choices" link)
(function () {
  'use strict';

  var STORAGE_KEY = 'maison-lumen.cmp.session-replay';
  var listeners = [];
  var banner = null;

  function read() {
    try {
      var v = window.localStorage.getItem(STORAGE_KEY);
      return v === 'granted' || v === 'denied' ? v : null;
    } catch (e) {
      return null;
    }
  }

  function decide(choice) {
    try {
      window.localStorage.setItem(STORAGE_KEY, choice);
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
    if (banner) banner.hidden = true;
    listeners.slice().forEach(function (cb) {
      try {
        cb(choice);
      } catch (e) {
        console.error('[demo CMP] a listener failed:', e);
      }
    });
  }

  function build() {
    banner = document.createElement('div');
    banner.className = 'cmp-banner';
    banner.id = 'cmp-banner';
    banner.setAttribute('role', 'dialog');
    banner.setAttribute('aria-label', 'Privacy choices');
    var text = document.createElement('p');
    text.textContent =
      'May we record how you use our shop to improve it? Session replay masks every text and ' +
      'form value in your browser before anything is sent. You can change your mind at any time.';
    var accept = document.createElement('button');
    accept.type = 'button';
    accept.id = 'cmp-accept';
    accept.textContent = 'Accept';
    accept.addEventListener('click', function () {
      decide('granted');
    });
    var refuse = document.createElement('button');
    refuse.type = 'button';
    refuse.id = 'cmp-refuse';
    refuse.className = 'secondary';
    refuse.textContent = 'Refuse';
    refuse.addEventListener('click', function () {
      decide('denied');
    });
    banner.appendChild(text);
    banner.appendChild(accept);
    banner.appendChild(refuse);
    banner.hidden = read() !== null;
    document.body.appendChild(banner);
    var reopen = document.getElementById('privacy-choices');
    if (reopen) {
      reopen.addEventListener('click', function () {
        banner.hidden = false;
      });
    }
  }

  window.DemoCmp = Object.freeze({
    choice: read,
    onChange: function (cb) {
      listeners.push(cb);
    },
    open: function () {
      if (banner) banner.hidden = false;
    },
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', build);
  } else {
    build();
  }
})();
