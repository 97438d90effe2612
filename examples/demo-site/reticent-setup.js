// Starts Reticent on every page of the demo shop. Consent comes from the site's
// consent manager, tarteaucitron (configured in consent-setup.js): Reticent
// registers itself there as a service (key `reticent`), records nothing until
// the visitor allows it, honours the stored choice on later pages, and stops at
// once when the visitor withdraws it from the panel ("Privacy choices").
//
// The site key must match the `--site demo:KEY:ORIGIN` that scripts/demo.sh
// passes to `reticent serve`. It is not a secret (it ships in every page);
// with the origin check it only routes batches to the right site.
(function () {
  'use strict';

  var SITE_KEY = 'pk_demo_maison_lumen';
  var root = document.documentElement;

  Reticent.init({
    // Same origin as the collector: `reticent serve --demo-dir` serves this site.
    endpoint: '/v1/batches',
    consent: { cmp: 'tarteaucitron', readmoreLink: '/demo/privacy.html' },
    headers: { 'X-Reticent-Key': SITE_KEY },
    flushInterval: 2000,
  }).then(
    function (recorder) {
      // For the browser console and the end-to-end test.
      window.demoRecorder = recorder;
      root.setAttribute('data-reticent', 'ready');
    },
    function (err) {
      console.error('[demo] Reticent could not start:', err);
      root.setAttribute('data-reticent', 'error');
    }
  );
})();
