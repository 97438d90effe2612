// The demo shop's consent manager: tarteaucitron (https://tarteaucitron.io, npm
// `tarteaucitronjs`), loaded just before this file from vendor/tarteaucitron/ —
// scripts/demo.sh copies the npm package there (it is not committed).
//
// This file belongs to the site, not to Reticent: it only configures tarteaucitron.
// Reticent registers itself as a tarteaucitron service (key `reticent`, shown in the
// banner and the panel) when reticent-setup.js calls Reticent.init with
// `consent: { cmp: 'tarteaucitron', … }`; tarteaucitron then asks, stores the choice in
// its own `tarteaucitron` cookie and re-applies it on every page.
(function () {
  'use strict';

  var root = document.documentElement;
  // tarteaucitron wires its buttons a moment after showing them, then calls events.load:
  // the end-to-end test waits for this mark before clicking.
  tarteaucitron.events.load = function () {
    root.setAttribute('data-cmp', 'ready');
  };

  tarteaucitron.init({
    privacyUrl: 'privacy.html', // the information notice, also linked from Reticent's service
    bodyPosition: 'bottom',
    hashtag: '#tarteaucitron', // /demo/#tarteaucitron opens the panel
    cookieName: 'tarteaucitron',
    orientation: 'bottom',
    groupServices: false,
    serviceDefaultState: 'wait', // no choice yet: nothing runs
    showAlertSmall: false,
    cookieslist: false,
    showIcon: false, // the footer's "Privacy choices" button opens the panel instead
    adblocker: false,
    DenyAllCta: true, // "Deny all" next to "Accept all" in the banner
    AcceptAllCta: true,
    highPrivacy: true, // consent only by an explicit click, never by browsing on
    alwaysNeedConsent: false,
    handleBrowserDNTRequest: false, // Reticent reads Global Privacy Control itself
    removeCredit: false,
    moreInfoLink: true,
    useExternalCss: false, // tarteaucitron loads its css/ and lang/ files next to its script
    useExternalJs: false,
    mandatory: true,
    mandatoryCta: true,
    googleConsentMode: false,
    bingConsentMode: false,
    pianoConsentMode: false,
    dataLayer: false,
    partnersList: false,
  });

  function bindPrivacyChoices() {
    var button = document.getElementById('privacy-choices');
    if (button) {
      button.addEventListener('click', function () {
        tarteaucitron.userInterface.openPanel();
      });
    }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', bindPrivacyChoices);
  } else {
    bindPrivacyChoices();
  }
})();
