// The benchmark's pages: a generated large page (~10,000 elements) with a
// product grid, a 500-row table, forms, inline styles, an open shadow root and
// a same-origin iframe; and the mutation workload it runs every animation frame.
//
// Everything is deterministic (no Math.random in the markup; the workload uses
// a seeded generator), so every configuration sees the same page and changes.

const PRODUCTS = 400;
const TABLE_ROWS = 500;
const SHADOW_ITEMS = 60;
const IFRAME_ITEMS = 80;

const COLOURS = ['#2d6a4f', '#1d3557', '#e63946', '#f4a261', '#6d597a', '#264653', '#8d99ae'];
const WORDS = ['linen', 'oak', 'ceramic', 'wool', 'steel', 'cotton', 'walnut', 'glass', 'copper', 'bamboo', 'leather', 'marble'];

function word(i) {
  return WORDS[i % WORDS.length];
}

function productCard(i) {
  const colour = COLOURS[i % COLOURS.length];
  // 12 elements: article > (img, div.body > (h3, p > (span, em), div.price > (span, s), ul > (li, li)), button)
  return `<article class="card c${i % 12}" data-sku="SKU-${1000 + i}" style="border:1px solid ${colour};padding:8px;border-radius:6px">`
    + `<img src="/img/product.svg" alt="${word(i)} item ${i}" width="120" height="90">`
    + `<div class="body"><h3 style="color:${colour};margin:4px 0">${word(i)} ${word(i + 3)} no. ${i}</h3>`
    + `<p class="desc">Hand-finished ${word(i + 1)} with ${word(i + 5)} trim <span class="tag">tag ${i % 9}</span> <em>new</em></p>`
    + `<div class="price"><span class="now">${(9 + (i * 7) % 90).toFixed(2)} EUR</span> <s>${(19 + (i * 7) % 90).toFixed(2)}</s></div>`
    + `<ul class="facts"><li>size ${i % 5}</li><li>colour ${i % 9}</li></ul></div>`
    + `<button type="button" class="add" aria-label="Add ${word(i)} ${i} to basket">Add</button></article>`;
}

function tableRow(i) {
  // 7 elements: tr > 6 td
  return `<tr class="${i % 2 ? 'odd' : 'even'}"><td>${1000 + i}</td><td>${word(i)} order</td><td>jane.doe${i}@example.com</td>`
    + `<td style="text-align:right">${((i * 37) % 1000).toFixed(2)}</td><td>2026-0${1 + (i % 9)}-1${i % 10}</td><td><a href="/orders/${i}?token=abc${i}">view</a></td></tr>`;
}

function forms() {
  let html = '<section id="forms"><h2>Checkout</h2><form id="checkout" onsubmit="return false">';
  const fields = ['first-name', 'last-name', 'email', 'phone', 'street', 'city', 'postcode', 'country', 'card', 'cvc', 'notes-short', 'coupon'];
  for (const f of fields) {
    const type = f === 'email' ? 'email' : f === 'card' || f === 'cvc' ? 'password' : 'text';
    html += `<label style="display:block;margin:4px 0">${f} <input id="f-${f}" name="${f}" type="${type}" autocomplete="off" value=""></label>`;
  }
  html += '<label>Message <textarea id="f-message" name="message" rows="3" cols="40"></textarea></label>';
  html += '<label>Delivery <select id="f-delivery" name="delivery">';
  for (let i = 0; i < 20; i++) html += `<option value="d${i}">Delivery option ${i}</option>`;
  html += '</select></label>';
  for (let i = 0; i < 10; i++) html += `<label><input type="checkbox" name="opt${i}"> option ${i}</label>`;
  for (let i = 0; i < 4; i++) html += `<label><input type="radio" name="speed" value="${i}"> speed ${i}</label>`;
  html += '<button type="submit">Pay</button></form></section>';
  return html;
}

/** The iframe's document (same origin, served at /frame.html). */
export function frameHtml() {
  let items = '';
  for (let i = 0; i < IFRAME_ITEMS; i++) items += `<li class="faq"><b>Question ${i}</b> <span>Answer about ${word(i)} ${i}</span></li>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Help</title></head><body><h2>Help centre</h2><ul id="faq">${items}</ul><p id="frame-status">ok</p></body></html>`;
}

/**
 * The large page. `head` is inserted at the end of <head> (the recorder's
 * script tags); the page itself defines `window.__bench` (the workload).
 */
export function largePageHtml(head = '') {
  let grid = '<section id="grid" style="display:grid;grid-template-columns:repeat(4,1fr);gap:8px">';
  for (let i = 0; i < PRODUCTS; i++) grid += productCard(i);
  grid += '</section>';
  let table = '<section id="orders"><h2>Orders</h2><table id="orders-table" style="border-collapse:collapse;table-layout:fixed;width:900px"><thead><tr><th>#</th><th>Item</th><th>Customer</th><th>Total</th><th>Date</th><th></th></tr></thead><tbody>';
  for (let i = 0; i < TABLE_ROWS; i++) table += tableRow(i);
  table += '</tbody></table></section>';
  let nav = '<nav id="nav" style="position:sticky;top:0;background:#fff"><ul>';
  for (let i = 0; i < 30; i++) nav += `<li style="display:inline-block;margin-right:6px"><a href="/c/${word(i)}?utm_source=x${i}">${word(i)} ${i}</a></li>`;
  nav += '</ul></nav>';
  const media = '<section id="media"><video width="320" height="180" controls></video><audio controls></audio><canvas id="cv" width="200" height="100"></canvas>'
    + '<svg width="100" height="50" viewBox="0 0 100 50"><rect x="5" y="5" width="90" height="40" fill="#1d3557"></rect><text x="10" y="30" fill="#fff">svg</text></svg></section>';
    // The live feed scrolls in a fixed-size box, as chat and activity widgets do.
  const feed = '<section id="feed-wrap"><h2>Live</h2><p id="counter">0</p><ol id="feed" style="height:240px;overflow:auto;contain:strict"></ol></section>';
  const iframe = '<section id="help"><iframe id="help-frame" src="/frame.html" width="600" height="300" title="help"></iframe></section>';
  const shadow = '<section id="shadow-wrap"><div id="shadow-host"></div></section>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bench shop</title>
<style>
body { font: 14px/1.4 sans-serif; margin: 0 16px; }
.card h3 { font-size: 15px; } .card .now { font-weight: bold; } .odd { background: #f6f6f6; }
td, th { padding: 2px 6px; border-bottom: 1px solid #ddd; } .hot { outline: 2px solid #e63946; }
#feed li { color: #333; } .flash { background: #ffe8a3; }
</style>
${head}
</head><body>
<header><h1>Bench shop</h1><p>Welcome back, <span id="user">Jane Doe</span> (jane.doe@example.com)</p></header>
${nav}${feed}${forms()}${grid}${table}${media}${shadow}${iframe}
<footer><p>Reticent benchmark page</p></footer>
<script>
(function () {
  // Open shadow root with its own content.
  var host = document.getElementById('shadow-host');
  var root = host.attachShadow({ mode: 'open' });
  var html = '<style>.s { color: #264653 }</style><ul>';
  for (var i = 0; i < ${SHADOW_ITEMS}; i++) html += '<li class="s">Shadow item ' + i + ' <b>' + (i * 3) + '</b></li>';
  root.innerHTML = html + '</ul><p id="shadow-status">ready</p>';
  var cv = document.getElementById('cv').getContext('2d');
  cv.fillStyle = '#2a9d8f'; cv.fillRect(10, 10, 100, 50);

  // The mutation workload: every animation frame, adds and removes feed items,
  // changes texts and attributes, in the page, the shadow root and the iframe.
  var seed = 12345;
  function rand(n) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; }
  var running = false, frames = 0, changes = 0;
  function frame() {
    if (!running) return;
    frames++;
    var feed = document.getElementById('feed');
    for (var k = 0; k < 3; k++) {
      var li = document.createElement('li');
      li.className = 'item i' + (frames % 10);
      li.innerHTML = 'Order <b>#' + (frames * 3 + k) + '</b> by customer ' + rand(1000) + ' <span class="t">' + frames + '</span>';
      feed.insertBefore(li, feed.firstChild);
      changes++;
    }
    while (feed.childNodes.length > 60) { feed.removeChild(feed.lastChild); changes++; }
    document.getElementById('counter').textContent = 'frames ' + frames;
    var rows = document.getElementById('orders-table').tBodies[0].rows;
    for (var r = 0; r < 5; r++) {
      rows[rand(rows.length)].cells[3].textContent = (rand(100000) / 100).toFixed(2);
      changes++;
    }
    var cards = document.getElementsByClassName('card');
    for (var c = 0; c < 5; c++) {
      var card = cards[rand(cards.length)];
      card.classList.toggle('hot');
      card.style.opacity = String(0.5 + rand(50) / 100);
      card.setAttribute('data-views', String(frames));
      changes += 3;
    }
    if (frames % 5 === 0) {
      var s = root.querySelectorAll('li')[rand(${SHADOW_ITEMS})];
      s.lastChild.textContent = String(frames);
      changes++;
    }
    if (frames % 10 === 0) {
      try {
        var fd = document.getElementById('help-frame').contentDocument;
        fd.getElementById('frame-status').textContent = 'frame ' + frames;
        changes++;
      } catch (e) {}
    }
    requestAnimationFrame(frame);
  }
  window.__bench = {
    start: function () { if (!running) { running = true; requestAnimationFrame(frame); } },
    stop: function () { running = false; return { frames: frames, changes: changes }; },
  };
})();
</script>
</body></html>`;
}

/** A tiny image every product card shows (blocked by the privacy-strict configurations). */
export const PRODUCT_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="90"><rect width="120" height="90" fill="#ccc"/></svg>';
