// The attempt page's question palette: answered / flagged / where you are, each said in text
// (visually hidden labels, a visible legend with symbols) and never by colour alone. attempt.js
// marks answered; this file keeps the flags, the current question and the summary line in step.
// A static file because the CSP allows no inline script.
(function () {
  "use strict";
  var nav = document.querySelector(".palette .navigator");
  if (!nav) return;
  var linear = nav.dataset.linear === "true";
  var summary = document.getElementById("palette-summary");

  function links() {
    return Array.prototype.slice.call(nav.querySelectorAll("[data-nav-item]"));
  }
  function summarise() {
    var all = links();
    var answered = all.filter(function (l) { return l.classList.contains("answered"); }).length;
    var flagged = all.filter(function (l) { return l.classList.contains("flagged"); }).length;
    var text = answered + " of " + all.length + " answered" + (flagged ? " · " + flagged + " flagged for review" : "");
    if (summary && summary.textContent !== text) summary.textContent = text;
  }
  function setCurrent(itemId) {
    if (linear || !itemId) return;
    links().forEach(function (link) {
      if (link.dataset.navItem === itemId) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }
  function syncFlags() {
    Array.prototype.forEach.call(document.querySelectorAll("form.flag-form"), function (form) {
      var link = nav.querySelector('[data-nav-item="' + form.dataset.flagItem + '"]');
      if (!link) return;
      var flagged = form.dataset.flagged === "true";
      link.classList.toggle("flagged", flagged);
      var label = link.querySelector("[data-flag-label]");
      if (label) label.textContent = flagged ? ", flagged for review" : "";
    });
    summarise();
  }

  document.addEventListener("focusin", function (event) {
    var section = event.target.closest && event.target.closest(".attempt-item[data-item-id]");
    if (section) setCurrent(section.dataset.itemId);
  });
  nav.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-nav-item]");
    if (link) setCurrent(link.dataset.navItem);
  });
  if (window.IntersectionObserver && !linear) {
    // scrolling: the question at the top of the view is where you are (unless typing in another)
    var observer = new IntersectionObserver(function (entries) {
      var active = document.activeElement;
      if (active && active.closest && active.closest(".attempt-item")) return;
      entries.forEach(function (entry) {
        if (entry.isIntersecting) setCurrent(entry.target.dataset.itemId);
      });
    }, { rootMargin: "0px 0px -70% 0px" });
    Array.prototype.forEach.call(document.querySelectorAll(".attempt-item[data-item-id]"), function (s) {
      observer.observe(s);
    });
  }
  document.addEventListener("htmx:after:swap", syncFlags);
  new MutationObserver(summarise).observe(nav, { subtree: true, attributes: true, attributeFilter: ["class"] });
  syncFlags();
})();
