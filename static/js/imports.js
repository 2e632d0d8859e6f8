// Import page behaviour (CSP: no inline script): a busy state while a preview or import runs,
// a guard against a second request from a double click, and the seconds elapsed for long files.
(function () {
  "use strict";

  var timer = null;

  function form() {
    return document.getElementById("import-form");
  }

  function status() {
    return document.getElementById("import-busy");
  }

  document.addEventListener("htmx:before:request", function (event) {
    var f = form();
    if (!f || !f.contains(event.target)) return;
    if (f.getAttribute("aria-busy") === "true") {
      event.preventDefault(); // a double click: the first request is still running
      return;
    }
    f.setAttribute("aria-busy", "true");
    f.classList.add("busy");
    var started = Date.now();
    var s = status();
    if (s) {
      s.hidden = false;
      s.textContent = "Working… large files take a while.";
      timer = window.setInterval(function () {
        var seconds = Math.round((Date.now() - started) / 1000);
        s.textContent = "Working… " + seconds + " s (large files take a while; nothing is written until the import finishes).";
      }, 1000);
    }
  });

  document.addEventListener("htmx:finally:request", function (event) {
    var f = form();
    if (!f || !f.contains(event.target)) return;
    f.removeAttribute("aria-busy");
    f.classList.remove("busy");
    if (timer) window.clearInterval(timer);
    timer = null;
    var s = status();
    if (s) s.hidden = true;
  });
})();
