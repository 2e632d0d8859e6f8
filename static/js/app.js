// mlmock's own behaviour. Kept in a static file: the CSP allows no inline script or eval.
(function () {
  "use strict";
  // Small screens: the main navigation collapses behind a Menu button (without JS it wraps).
  var toggle = document.querySelector(".nav-toggle");
  var menu = document.getElementById("nav-menu");
  if (toggle && menu) {
    document.documentElement.classList.add("js-nav");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }
  // Dark mode: follows the system until the user picks one; the choice is remembered on this device
  // and, when signed in, on the account (the server then renders it on every device, no flash).
  // The choice is kept as "unsaved" until the account acknowledges it (theme.js applies it meanwhile,
  // so a navigation right after the click cannot bring back the old theme); keepalive lets the
  // save outlive the page.
  var UNSAVED = "mlmock-theme-unsaved";
  function storage(op, value) {
    try {
      if (op === "get") return window.localStorage.getItem(UNSAVED);
      if (op === "set") window.localStorage.setItem(UNSAVED, value);
      else window.localStorage.removeItem(UNSAVED);
    } catch (e) { /* storage blocked */ }
    return null;
  }
  function saveTheme(url, theme) {
    var token = document.querySelector('meta[name="csrf-token"]');
    storage("set", theme);
    window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: {"X-CSRFToken": token ? token.content : "", "Content-Type": "application/x-www-form-urlencoded"},
      body: "theme=" + encodeURIComponent(theme)
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      if (storage("get") === theme) storage("remove");
    }).catch(function () {
      var toasts = document.getElementById("toasts");
      if (!toasts) return;
      var p = document.createElement("p");
      p.setAttribute("role", "alert");
      p.textContent = "Your colour scheme is kept on this device only: it could not be saved to your account.";
      toasts.replaceChildren(p);
    });
  }
  var themeButton = document.querySelector(".theme-toggle");
  if (themeButton) {
    var dark = function () {
      var chosen = document.documentElement.getAttribute("data-theme");
      if (chosen) return chosen === "dark";
      return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    };
    var show = function () { themeButton.setAttribute("aria-pressed", String(dark())); };
    themeButton.hidden = false;
    show();
    var unsaved = storage("get");
    if (unsaved && themeButton.dataset.saveUrl) saveTheme(themeButton.dataset.saveUrl, unsaved);  // send it again
    else if (unsaved) storage("remove");  // signed out meanwhile: it stays a choice of this device
    themeButton.addEventListener("click", function () {
      var next = dark() ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { window.localStorage.setItem("mlmock-theme", next); } catch (e) { /* not remembered */ }
      show();
      if (themeButton.dataset.saveUrl) saveTheme(themeButton.dataset.saveUrl, next);
    });
  }

  // Display formulas, written tables and code blocks scroll sideways inside their own box when
  // wider than the column; keyboard users must reach them (axe: scrollable-region-focusable).
  // Their widths change as the maths font loads, so every such box takes focus, not only the
  // ones overflowing now; an inline formula only when it overflows (there can be hundreds).
  function focusableScrollers(root) {
    var boxes = (root || document).querySelectorAll('main div:has(> math[display="block"]), main pre, main table');
    for (var i = 0; i < boxes.length; i++) {
      if (!boxes[i].closest(".table-scroll") && !boxes[i].hasAttribute("tabindex")) boxes[i].setAttribute("tabindex", "0");
    }
    var inline = (root || document).querySelectorAll(".math.inline");
    for (var j = 0; j < inline.length; j++) {
      var el = inline[j];
      if ((el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight) && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
      }
    }
  }
  focusableScrollers(document);
  var again = function () { focusableScrollers(document); };
  window.addEventListener("load", again);
  if (document.fonts) {
    document.fonts.ready.then(again);
    document.fonts.addEventListener("loadingdone", again);
  }
  window.addEventListener("resize", function () { focusableScrollers(document); });
  document.addEventListener("htmx:after:swap", function () { focusableScrollers(document); });

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
