// The review page: draft autosave with revisions (same protocol as answers), live rubric points,
// keyboard shortcuts for levels, signals and the recommendation. A static file: the CSP allows no
// inline script and no hx-on attributes.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form || form.querySelector("fieldset[disabled]")) return;

  var url = form.dataset.draftUrl;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var statusEl = document.getElementById("save-status");
  var revision = parseInt(form.dataset.revision, 10) || 0;
  var dirty = false;
  var inflight = false;
  var stopped = false;
  var timer = null;
  var backoff = 0;
  var DEBOUNCE_MS = 800;

  function show(state, text) {
    if (!statusEl) return;
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }
  function clockText(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  // ---- autosave ----
  function edited() {
    if (stopped) return;
    revision += 1;
    dirty = true;
    show("pending", "Unsaved changes…");
    schedule(DEBOUNCE_MS);
  }
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(send, delay);
  }
  function send() {
    clearTimeout(timer);
    if (!dirty || inflight || stopped) return;
    inflight = true;
    dirty = false;
    var sent = revision;
    var body = new URLSearchParams(new FormData(form));
    body.set("revision", String(sent));
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      body: body,
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (r) {
        inflight = false;
        if (r.status === 200) {
          backoff = 0;
          show("saved", "Saved " + clockText(r.data.saved_at));
          form.dataset.revision = String(r.data.revision);
          if (dirty) schedule(DEBOUNCE_MS);
        } else if (r.status === 409 || r.status === 404) {
          stopped = true;
          show("error", (r.data && r.data.error) || "Not saved.");
        } else {
          dirty = true;
          show("error", ((r.data && r.data.error) || "Not saved.") + " Retrying…");
          retry();
        }
      })
      .catch(function () {
        inflight = false;
        dirty = true;
        show("error", "Not saved: the connection failed. Retrying…");
        retry();
      });
  }
  function retry() {
    backoff = Math.min(backoff ? backoff * 2 : 2000, 30000);
    schedule(backoff);
  }
  form.addEventListener("input", edited);
  form.addEventListener("change", function (event) {
    updatePoints(event.target);
    if (event.target.type === "radio" || event.target.type === "checkbox") edited();
  });
  form.addEventListener("focusout", function () { if (dirty) send(); });
  form.addEventListener("submit", function () {
    stopped = true;
    clearTimeout(timer);
  });
  window.addEventListener("online", function () { if (dirty) send(); });

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
