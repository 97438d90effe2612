// The demo shop's own behaviour: forms answer locally (nothing is sent anywhere).
(function () {
  'use strict';
  function answer(form, message) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var out = form.querySelector('.notice');
      if (out) out.textContent = message;
    });
  }
  document.querySelectorAll('form[data-answer]').forEach(function (form) {
    answer(form, form.getAttribute('data-answer'));
  });
  var add = document.getElementById('add-to-cart');
  if (add) {
    add.addEventListener('click', function () {
      var count = document.getElementById('cart-count');
      count.textContent = String(Number(count.textContent) + 1);
      document.getElementById('added').textContent = 'Added to your basket.';
    });
  }
})();
