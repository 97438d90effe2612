// The replay page of the Reticent viewer: fetches the session's rrweb events
// from the viewer API (same origin, with the viewer's HttpOnly cookie) and
// plays them with rrweb-player (loaded before this file as `rrwebPlayer`).
//
// Recordings are untrusted. rrweb replays into an iframe it creates with
// sandbox="allow-same-origin" (scripts stay disabled); UNSAFE_replayCanvas
// would add allow-scripts, so it is pinned to false here, and no extra style
// rules are inserted. The page's CSP (script-src 'self') applies to the frame
// too.
(function () {
  'use strict';

  var root = document.getElementById('replay');
  var status = document.getElementById('replay-status');
  var target = document.getElementById('player');

  function fail(message) {
    status.textContent = message;
    root.setAttribute('data-state', 'error');
  }

  function size() {
    var width = Math.max(480, Math.min(1200, root.clientWidth || 1024));
    return { width: width, height: Math.round(width * 0.6) };
  }

  fetch(root.getAttribute('data-events-url'), {
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
    cache: 'no-store',
  })
    .then(function (resp) {
      return resp.json().then(function (body) {
        if (!resp.ok) {
          var err = body && body.error;
          throw new Error((err && err.code ? err.code + ': ' : '') + ((err && err.message) || resp.status));
        }
        return body;
      });
    })
    .then(function (events) {
      if (!Array.isArray(events) || events.length < 2) {
        throw new Error('the session has fewer than two events: nothing to replay');
      }
      var dims = size();
      var player = new rrwebPlayer.Player({
        target: target,
        props: {
          events: events,
          width: dims.width,
          height: dims.height,
          autoPlay: false,
          showController: true,
          skipInactive: true,
          speedOption: [1, 2, 4, 8],
          UNSAFE_replayCanvas: false,
          insertStyleRules: [],
          mouseTail: false,
          showWarning: false,
        },
      });
      var first = events[0].timestamp;
      var last = events[events.length - 1].timestamp;
      status.textContent =
        events.length + ' events, ' + Math.round((last - first) / 1000) + ' s. Press play.';
      // For scripted checks (the end-to-end test) and the browser console.
      window.reticentViewer = { player: player, events: events.length };
      root.setAttribute('data-state', 'ready');
    })
    .catch(function (err) {
      fail('Cannot replay this session: ' + (err && err.message ? err.message : String(err)));
    });
})();
