// Colour scheme before first paint: the account's (rendered by the server), else the one chosen on
// this device, else the system's.
// A small blocking script (the CSP allows 'self' scripts, no inline ones); app.js wires the toggle.
(function () {
  "use strict";
  // a signed-in user's choice is on their account: the server rendered it on <html> already
  if (document.documentElement.hasAttribute("data-theme-saved")) return;
  try {
    var chosen = window.localStorage.getItem("mlmock-theme");
    if (chosen === "light" || chosen === "dark") document.documentElement.setAttribute("data-theme", chosen);
  } catch (e) { /* storage blocked: follow the system */ }
})();
