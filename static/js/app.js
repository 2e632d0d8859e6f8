// mlmock's own behaviour. Kept in a static file: the CSP allows no inline script or eval.
(function () {
  "use strict";
  // htmx errors that have no explicit target land in the toast area.
  document.addEventListener("htmx:error", function (event) {
    var toasts = document.getElementById("toasts");
    if (!toasts) return;
    var detail = event.detail || {};
    var msg = (detail.error && detail.error.message) || "The request failed. Check your connection and try again.";
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = msg;
    toasts.replaceChildren(p);
  });
})();
