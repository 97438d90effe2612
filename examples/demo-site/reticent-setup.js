// Starts Reticent on every page of the demo shop and wires it to the site's
// consent banner (consent-banner.js, window.DemoCmp).
//
// `consent: 'manual'`: Reticent records nothing until grantConsent(). The
// banner remembers the visitor's choice; it is applied again on each page.
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
    consent: 'manual',
    headers: { 'X-Reticent-Key': SITE_KEY },
    flushInterval: 2000,
  }).then(
    function (recorder) {
      // For the browser console and the end-to-end test.
      window.demoRecorder = recorder;
      function apply(choice) {
        if (choice === 'granted') recorder.grantConsent();
        else if (choice === 'denied') recorder.withdrawConsent();
      }
      apply(window.DemoCmp.choice());
      window.DemoCmp.onChange(apply);
      root.setAttribute('data-reticent', 'ready');
    },
    function (err) {
      console.error('[demo] Reticent could not start:', err);
      root.setAttribute('data-reticent', 'error');
    }
  );
})();
