// Colour scheme before first paint: the one the user chose on this device, else the system's.
// A small blocking script (the CSP allows 'self' scripts, no inline ones); app.js wires the toggle.
(function () {
  "use strict";
  try {
    var chosen = window.localStorage.getItem("mlmock-theme");
    if (chosen === "light" || chosen === "dark") document.documentElement.setAttribute("data-theme", chosen);
  } catch (e) { /* storage blocked: follow the system */ }
})();
