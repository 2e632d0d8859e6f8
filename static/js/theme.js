// Colour scheme before first paint: a choice made here whose save to the account is not yet
// acknowledged, else the account's (rendered by the server), else the one chosen on this device,
// else the system's.
// A small blocking script (the CSP allows 'self' scripts, no inline ones); app.js wires the toggle.
(function () {
  "use strict";
  var root = document.documentElement;
  try {
    // a click followed at once by a navigation can reach the server before its save does
    var unsaved = window.localStorage.getItem("mlmock-theme-unsaved");
    if (unsaved === "light" || unsaved === "dark") { root.setAttribute("data-theme", unsaved); return; }
    // a signed-in user's choice is on their account: the server rendered it on <html> already
    if (root.hasAttribute("data-theme-saved")) return;
    var chosen = window.localStorage.getItem("mlmock-theme");
    if (chosen === "light" || chosen === "dark") root.setAttribute("data-theme", chosen);
  } catch (e) { /* storage blocked: follow the server or the system */ }
})();
