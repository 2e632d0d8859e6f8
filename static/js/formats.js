// Format builder (CSP: no inline script). Without it the builder still works: every button posts
// the form and the server renders it again. With it, keyboard focus follows what was done (the
// moved slot's button, the new slot, the search results, the preview) and Enter in the picker's
// search field searches instead of saving.
(function () {
  "use strict";

  function focusRequested() {
    var form = document.getElementById("format-form");
    if (!form || !form.dataset.focus) return;
    var target = document.getElementById(form.dataset.focus);
    delete form.dataset.focus;
    if (!target) return;
    if (target.disabled) target = target.closest("fieldset") || target;
    target.focus();
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches("#format-form [data-enter-action]")) return;
    var button = field.form.querySelector('button[name="action"][value="' + field.dataset.enterAction + '"]');
    if (!button) return;
    event.preventDefault();
    button.click();
  });
  document.addEventListener("htmx:after:swap", focusRequested);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusRequested);
  } else {
    focusRequested();
  }
})();
