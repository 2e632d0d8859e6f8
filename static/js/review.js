// The review page: draft autosave (static/js/autosave.js, the answers' protocol), live rubric points,
// keyboard shortcuts for levels, signals and the recommendation. A static file: the CSP allows no
// inline script and no hx-on attributes.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form || form.querySelector("fieldset[disabled]")) return;

  var statusEl = document.getElementById("save-status");
  var stopped = false;
  var DEBOUNCE_MS = 800;

  function show(state, text) {
    if (!statusEl) return;
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }
  function stop(u, data) {
    u.conflict = data; // no more saves from this page
    show("error", (data && data.error) || "Not saved.");
  }

  // ---- autosave: the form as it is, one unit, through the shared compare-and-swap module ----
  function read() {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || typeof value !== "string") return;
      (fields[name] = fields[name] || []).push(value);
    });
    return { form: fields };
  }
  var saver = mlmockAutosave.create({
    tokenUrl: form.dataset.tokenUrl,
    debounceMs: DEBOUNCE_MS,
    read: read,
    canSend: function () { return !stopped; },
    status: show,
    stale: stop,
    closed: stop,
    refused: function (u, data) { show("error", (data && data.error) || "Not saved."); },
    messages: {
      offline: "Not saved — offline. Saving resumes when you reconnect; keep this page open.",
      failed: "Not saved: the connection failed. Retrying…",
      session: "Not saved — your session changed. Retrying…",
      signedOut: "Not saved — you are signed out. Sign in again in another tab; saving resumes then.",
      retry: "Not saved. Retrying…",
    },
  });
  var draft = saver.unit({
    url: form.dataset.draftUrl,
    base: parseInt(form.dataset.revision, 10) || 0,
    storedSaveId: form.dataset.saveId || "",
  });
  draft.saved = read(); // what the server has stored (as rendered)

  function edited() {
    if (stopped || draft.conflict) return;
    show("pending", "Unsaved changes…");
    saver.schedule(draft, DEBOUNCE_MS);
  }
  form.addEventListener("input", edited);
  form.addEventListener("change", function (event) {
    updatePoints(event.target);
    if (event.target.type === "radio" || event.target.type === "checkbox") edited();
  });
  form.addEventListener("focusout", function () { saver.send(draft); });
  form.addEventListener("submit", function () {
    stopped = true;
    clearTimeout(draft.timer);
  });
  window.addEventListener("online", function () {
    draft.backoff = 0;
    saver.send(draft);
  });

  // ---- live points per free-text item ----
  function updatePoints(target) {
    if (!target || !target.dataset || target.dataset.points === undefined) return;
    var group = target.closest("[data-item]");
    if (!group) return;
    var itemId = group.dataset.item;
    var out = document.querySelector('[data-points-for="' + itemId + '"]');
    if (!out) return;
    var groups = form.querySelectorAll('fieldset.criterion[data-item="' + itemId + '"]');
    var total = 0;
    var complete = true;
    Array.prototype.forEach.call(groups, function (g) {
      var checked = g.querySelector("input[type=radio]:checked");
      if (checked) total += parseFloat(checked.dataset.points) || 0;
      else complete = false;
    });
    out.textContent = complete ? String(Math.round(total * 100) / 100) : "—";
  }

  // ---- keyboard shortcuts ----
  var groups = Array.prototype.slice.call(form.querySelectorAll("[data-shortcut-group]"));
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable) return true;
    return tag === "INPUT" && el.type !== "radio" && el.type !== "checkbox";
  }
  function currentGroup() {
    var active = document.activeElement;
    var g = active && active.closest ? active.closest("[data-shortcut-group]") : null;
    if (g) return g;
    for (var i = 0; i < groups.length; i++) {
      if (!groups[i].querySelector("input[type=radio]:checked")) return groups[i];
    }
    return groups[0] || null;
  }
  function focusGroup(g) {
    if (!g) return;
    var target = g.querySelector("input[type=radio]:checked") || g.querySelector("input[type=radio]");
    if (target) {
      target.focus();
      g.scrollIntoView({ block: "nearest" });
    }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var g = currentGroup();
    if (!g) return;
    var index = groups.indexOf(g);
    if (/^[1-9]$/.test(event.key)) {
      var radios = g.querySelectorAll("input[type=radio]");
      var choice = radios[parseInt(event.key, 10) - 1];
      if (!choice) return;
      event.preventDefault();
      choice.checked = true;
      choice.dispatchEvent(new Event("change", { bubbles: true }));
      focusGroup(groups[index + 1] || g);
    } else if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      focusGroup(groups[index + (event.key === "j" ? 1 : -1)] || g);
    }
  });
})();
