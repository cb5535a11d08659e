/* Custos: progressive enhancement only. Every page works without this file.
   No inline handlers, no eval (CSP-safe). Uses event delegation on document. */
(function () {
  'use strict';

  var MENUS = 'details.org-switcher, details.user-menu';

  function submitForm(form) {
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  // 1. form[data-confirm] (or a submit button with data-confirm): ask first.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var submitter = event.submitter;
    var source = submitter && submitter.hasAttribute('data-confirm') ? submitter : form;
    var message = source.getAttribute('data-confirm');
    if (message === null) return;
    if (!window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    // Confirmed here: skip the server's confirmation page, which asks the same question
    // of browsers without JavaScript.
    if (!form.querySelector('input[name="confirmed"]')) {
      var confirmed = document.createElement('input');
      confirmed.type = 'hidden';
      confirmed.name = 'confirmed';
      confirmed.value = 'yes';
      form.appendChild(confirmed);
    }
  }, true);

  // 2. select/input[data-autosubmit]: submit the owning form on change.
  document.addEventListener('change', function (event) {
    var el = event.target;
    if (!(el instanceof Element) || !el.matches('select[data-autosubmit], input[data-autosubmit]')) return;
    if (el.form) submitForm(el.form);
  });

  // 3. [data-copy]: copy the referenced element's text, show "Copied" for 2 s.
  function fallbackCopy(source) {
    var selection = window.getSelection();
    if ('select' in source && typeof source.select === 'function') {
      source.select();
    } else if (selection) {
      var range = document.createRange();
      range.selectNodeContents(source);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
  }

  function flashLabel(button, text) {
    if (!button.hasAttribute('data-copy-label')) {
      button.setAttribute('data-copy-label', button.textContent);
    }
    button.textContent = text;
    window.clearTimeout(button._custosTimer);
    button._custosTimer = window.setTimeout(function () {
      button.textContent = button.getAttribute('data-copy-label');
    }, 2000);
  }

  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target : null;

    var button = target && target.closest('[data-copy]');
    if (button) {
      event.preventDefault();
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      var text = 'value' in source && typeof source.value === 'string' ? source.value : source.textContent;
      text = text.trim();
      var copying = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(source); })
        : fallbackCopy(source);
      copying.then(function () {
        flashLabel(button, 'Copied');
      }, function () {
        flashLabel(button, 'Select and copy manually');
      });
      return;
    }

    // 4a. Close open header menus when clicking outside them.
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (menu.open && !(target && menu.contains(target))) menu.open = false;
    });
  });

  // 4b. Escape closes open header menus; focus returns to the summary.
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape' && event.key !== 'Esc') return;
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (!menu.open) return;
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      var summary = menu.querySelector('summary');
      if (hadFocus && summary) summary.focus();
    });
  });

  function init() {
    document.documentElement.classList.add('js');
    // 5. A form that came back with errors: move focus to its summary, which lists them
    //    with links to the fields (the summary is announced once, as an alert).
    var summary = document.querySelector('[data-focus-on-load]');
    if (summary) summary.focus();
    // Copy buttons are useless without JS: templates may render them `hidden`.
    document.querySelectorAll('[data-copy][hidden]').forEach(function (el) {
      el.hidden = false;
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
