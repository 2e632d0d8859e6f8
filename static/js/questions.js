// Question editor behaviour (CSP: no inline script). Without it the editor still works:
// every fieldset shows, and rows are added/removed/moved by the form's own submit buttons.
(function () {
  "use strict";

  // Show only the fieldsets that belong to the chosen kind (options for choice, value for numeric).
  function applyKind(form) {
    var select = form.querySelector("[data-kind-select]");
    if (!select) return;
    form.setAttribute("data-kind", select.value);
    form.querySelectorAll("fieldset[data-kinds]").forEach(function (fs) {
      var kinds = fs.getAttribute("data-kinds").split(" ");
      fs.hidden = kinds.indexOf(select.value) === -1;
    });
  }

  function applyAll() {
    document.querySelectorAll("form.question-form").forEach(applyKind);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-kind-select]")) {
      var form = target.closest("form.question-form");
      if (form) applyKind(form);
    }
  });
  document.addEventListener("htmx:after:swap", applyAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", applyAll);
  } else {
    applyAll();
  }
})();
