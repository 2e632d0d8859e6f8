// The attempt page: compare-and-swap autosave, the server's clock, offline buffering.
// A static file because the CSP allows no inline script.
//
// Saves go through static/js/autosave.js (the compare-and-swap protocol, shared with the review
// page): one unit per item. A 409 "stale" stops autosaving that item and shows both versions here:
// nothing is overwritten without a click.
//
// Time: the server is the clock. The page polls GET …/status every few seconds (and resyncs from
// every save reply); at zero it saves, then asks the server, and never submits on its own clock.
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) return;

  var attemptId = root.dataset.attemptId;
  var resultsUrl = root.dataset.resultsUrl;
  var statusUrl = root.dataset.statusUrl;
  var tokenUrl = root.dataset.tokenUrl;
  var expiryMode = root.dataset.expiryMode;
  var storeKey = "mlmock.attempt." + attemptId;
  var statusEl = document.getElementById("save-status");
  var warningEl = document.getElementById("time-warning");
  var strictEl = document.getElementById("strict-warning");
  var graceEl = document.getElementById("grace-notice");
  var countdownEl = document.getElementById("countdown");
  var deadlineEl = document.getElementById("deadline");
  var DEBOUNCE_MS = 800;
  var POLL_MS = 3000;
  var STRICT_WARNING_SECONDS = 120;
  var same = mlmockAutosave.same;
  var clockText = mlmockAutosave.clockText;

  // ---- the clock: remaining seconds from the server, measured with the monotonic clock ----
  var remainingAtSync = parseFloat(root.dataset.remaining) || 0;
  var syncedAt = performance.now();
  var phase = root.dataset.phase; // open | grace | over
  var leaving = false;
  var askedAtZero = false;

  function remaining() {
    return remainingAtSync - (performance.now() - syncedAt) / 1000;
  }
  function resync(data) {
    if (!data) return;
    if (typeof data.remaining_seconds === "number" && isFinite(data.remaining_seconds)) {
      var before = remaining();
      remainingAtSync = data.remaining_seconds;
      syncedAt = performance.now();
      if (remainingAtSync > before + 1) askedAtZero = false; // more time (an extension)
    }
    if (data.deadline_at) showDeadline(data.deadline_at);
    if (data.phase && data.phase !== phase) enterPhase(data.phase);
  }
  function showDeadline(iso) {
    if (!deadlineEl || deadlineEl.dataset.deadline === iso) return;
    deadlineEl.dataset.deadline = iso;
    deadlineEl.setAttribute("datetime", iso);
    deadlineEl.textContent = clockText(iso);
  }
  function fmt(sec) {
    sec = Math.max(0, Math.ceil(sec));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function tick() {
    var left = remaining();
    countdownEl.textContent = fmt(left);
    root.classList.toggle("time-low", left <= 60);
    if (strictEl) strictEl.hidden = !(expiryMode === "strict" && phase === "open" && left <= STRICT_WARNING_SECONDS);
    if (left <= 0 && phase === "open" && !askedAtZero) {
      // our clock says zero: save what is pending, then ask the server (which decides)
      askedAtZero = true;
      flushAll().then(pollStatus);
    }
  }

  function enterPhase(next) {
    phase = next;
    root.dataset.phase = next;
    if (next === "open") {
      setDisabled(false);
      if (graceEl) graceEl.hidden = true;
      return;
    }
    setDisabled(true);
    if (next === "grace") {
      if (graceEl) graceEl.hidden = false;
      return;
    }
    goToResults();
  }
  function goToResults() {
    if (leaving) return;
    leaving = true;
    setDisabled(true);
    warningEl.textContent = "Time is up. Opening your results…";
    warningEl.hidden = false;
    flushAll().then(function () { window.location.assign(resultsUrl); });
  }

  function pollStatus() {
    if (leaving) return Promise.resolve();
    return fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) return null;
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        if (data.state !== "in_progress") { goToResults(); return; }
        resync(data);
      })
      .catch(function () { /* offline: the next poll tries again */ });
  }

  // ---- local buffer: what was typed and not yet acknowledged survives reloads and offline ----
  function loadStore() {
    try {
      return JSON.parse(localStorage.getItem(storeKey) || "{}") || {};
    } catch (e) {
      return {};
    }
  }
  var store = loadStore(); // itemId -> {value, base, pending: {save_id, base, value} | null, t}
  function persist() {
    try {
      if (Object.keys(store).length) localStorage.setItem(storeKey, JSON.stringify(store));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* storage full or disabled: saves still go to the server */ }
  }
  function remember(item) {
    // read-modify-write of this item's entry only: another tab of the attempt keeps its own items
    var value = readValue(item);
    store = loadStore();
    if (value === null || (!item.pending && !item.conflict && same(value, item.saved))) {
      delete store[item.id];
    } else {
      store[item.id] = { value: value, base: item.base, pending: item.pending, t: Date.now() };
    }
    persist();
  }

  // ---- saving ----
  var saver = mlmockAutosave.create({
    tokenUrl: tokenUrl,
    debounceMs: DEBOUNCE_MS,
    read: readValue,
    canSend: function () { return phase === "open"; },
    remember: remember,
    status: showStatus,
    saved: function (item, data) {
      resync(data);
      if (!unsavedCount()) warningEl.hidden = true;
    },
    stale: showConflict,
    closed: function () { return pollStatus(); },
    refused: function (item, data) {
      if (item.statusEl) item.statusEl.textContent = data.error || "This answer was not saved.";
      showStatus("error", data.error || "An answer was not saved.");
    },
    retrying: function () {
      warningEl.textContent = "Some answers are not saved yet (" + unsavedCount() + "). Keep this page open.";
      warningEl.hidden = false;
    },
  });
  var send = saver.send;
  var schedule = saver.schedule;

  // ---- items ----
  var items = {};
  function register(form) {
    var id = form.dataset.itemId;
    var item = saver.unit({
      id: id,
      form: form,
      field: form.dataset.answerField, // the kind's answer field: text, number, choice, choices, …
      url: form.getAttribute("action"),
      base: parseInt(form.dataset.revision, 10) || 0, // the stored revision this page knows
      storedSaveId: form.dataset.saveId || "",
      pending: null, // {save_id, base, value}: sent until answered, always identically
      inflight: false,
      conflict: null,
      timer: null,
      backoff: 0,
      statusEl: form.querySelector("[data-item-status]"),
      conflictEl: form.parentNode.querySelector("[data-conflict]"),
    });
    item.saved = readValue(item); // what the server has stored (as rendered)
    items[id] = item;
    return item;
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.answer-form"), register);

  // The answer is the form's fields named by the kind's answer field (data-answer-field): a text
  // box or input (a string), radios (one option number), checkboxes (sorted option numbers) or
  // selects (one option number or null each, in order). No kind names here: a new kind's
  // macro uses one of these shapes.
  function fieldsOf(item) {
    return Array.prototype.slice.call(item.form.querySelectorAll('[name="' + item.field + '"]'));
  }
  function readValue(item) {
    var els = fieldsOf(item);
    if (!els.length) return null;
    var out = {};
    var first = els[0];
    if (first.type === "radio") {
      var checked = els.filter(function (el) { return el.checked; })[0];
      if (!checked) return null;
      out[item.field] = parseInt(checked.value, 10);
    } else if (first.type === "checkbox") {
      out[item.field] = els.filter(function (el) { return el.checked; })
        .map(function (el) { return parseInt(el.value, 10); })
        .sort(function (a, b) { return a - b; });
    } else if (first.hasAttribute("data-list")) {
      // one string per field, in order (a parametrised question's parts: inputs and selects)
      out[item.field] = els.map(function (el) { return el.value; });
    } else if (first.tagName === "SELECT") {
      out[item.field] = els.map(function (el) { return el.value === "" ? null : parseInt(el.value, 10); });
    } else {
      out[item.field] = first.value;
    }
    return out;
  }
  function writeValue(item, value) {
    var v = (value || {})[item.field];
    fieldsOf(item).forEach(function (el, i) {
      if (el.hasAttribute("data-list")) el.value = v && v[i] !== null && v[i] !== undefined ? String(v[i]) : "";
      else if (el.type === "radio") el.checked = parseInt(el.value, 10) === v;
      else if (el.type === "checkbox") el.checked = (v || []).indexOf(parseInt(el.value, 10)) >= 0;
      else if (el.tagName === "SELECT") el.value = v && v[i] !== null && v[i] !== undefined ? String(v[i]) : "";
      else el.value = v || "";
    });
  }
  function isAnswered(value) {
    if (!value) return false;
    return Object.keys(value).some(function (key) {
      var v = value[key];
      if (typeof v === "string") return v.trim() !== "";
      if (Array.isArray(v)) return v.some(function (x) { return x !== null && x !== ""; });
      return v !== null && v !== undefined;
    });
  }
  function markNavigator(item, value) {
    var link = document.querySelector('[data-nav-item="' + item.id + '"]');
    if (!link) return;
    var answered = isAnswered(value);
    link.classList.toggle("answered", answered);
    link.classList.toggle("unanswered", !answered);
    var label = link.querySelector("[data-nav-label]");
    if (label) label.textContent = answered ? " (answered)" : " (unanswered)";
  }
  function describe(item, value) {
    // a stored value as plain text (always inserted with textContent: never as HTML)
    if (!value) return "(nothing)";
    var v = value[item.field];
    if (typeof v === "string") return v || "(empty)";
    var listed = fieldsOf(item).filter(function (el) { return el.hasAttribute("data-list"); });
    if (listed.length) {
      return listed.map(function (el, i) {
        var label = el.labels && el.labels[0] ? el.labels[0].textContent.trim() : "Part " + (i + 1);
        var raw = (v || [])[i];
        var option = el.tagName === "SELECT" && /^\d+$/.test(raw || "") ? el.querySelector('option[value="' + raw + '"]') : null;
        var shown = option ? option.textContent : raw;
        return label + " → " + (shown || "(empty)");
      }).join("\n");
    }
    var selects = fieldsOf(item).filter(function (el) { return el.tagName === "SELECT"; });
    if (selects.length) {
      // one line per select: its label, then the chosen option's text
      return selects.map(function (el, i) {
        var label = el.labels && el.labels[0] ? el.labels[0].textContent.trim() : "Item " + (i + 1);
        var pick = (v || [])[i];
        var option = pick === null || pick === undefined ? null : el.querySelector('option[value="' + pick + '"]');
        return label + " → " + (option ? option.textContent.trim() : "(none)");
      }).join("\n");
    }
    var labels = Array.prototype.map.call(item.form.querySelectorAll("label.option"), function (el) {
      return el.textContent.trim();
    });
    var chosen = typeof v === "number" ? [v] : v || [];
    if (!chosen.length) return "(nothing chosen)";
    return chosen.map(function (i) { return labels[i] || "Option " + (i + 1); }).join("\n");
  }

  // ---- status line ----
  function showStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }
  function unsavedCount() {
    return Object.keys(items).filter(function (id) {
      var item = items[id];
      return item.pending || item.conflict || !same(readValue(item), item.saved);
    }).length;
  }

  function edited(item) {
    var value = readValue(item);
    remember(item);
    markNavigator(item, value);
    if (item.conflict) { // stopped until the candidate chooses
      item.conflictEl.querySelector("[data-mine]").textContent = describe(item, value);
      return;
    }
    if (item.statusEl) item.statusEl.textContent = "";
    schedule(item, DEBOUNCE_MS);
  }

  // ---- a conflict: both versions, and the candidate decides ----
  function showConflict(item, stored) {
    item.conflict = { revision: stored.revision, value: stored.value, saved_at: stored.saved_at };
    var box = item.conflictEl;
    if (!box) return;
    box.querySelector("[data-mine]").textContent = describe(item, readValue(item));
    box.querySelector("[data-theirs]").textContent = describe(item, stored.value);
    box.querySelector("[data-theirs-time]").textContent = stored.saved_at ? clockText(stored.saved_at) : "";
    box.hidden = false;
    showStatus("error", "Not saved — this answer was changed in another tab or window. Choose which version to keep.");
    warningEl.textContent = "An answer was changed elsewhere: nothing was overwritten. Choose a version below.";
    warningEl.hidden = false;
    box.querySelector("[data-keep-mine]").focus();
  }
  function resolveConflict(item, keepMine) {
    var c = item.conflict;
    if (!c) return;
    item.conflict = null;
    item.conflictEl.hidden = true;
    item.base = c.revision || 0;
    item.saved = c.value;
    if (!keepMine) {
      writeValue(item, c.value);
      markNavigator(item, c.value);
      showStatus("saved", "Showing the version saved at " + clockText(c.saved_at));
    }
    remember(item);
    if (!unsavedCount()) warningEl.hidden = true;
    if (keepMine) send(item); // an explicit save on top of the stored revision
  }

  // Send everything pending, oldest edit first (the order it was typed in).
  function flushAll() {
    var ids = Object.keys(items).sort(function (a, b) {
      return ((store[a] || {}).t || 0) - ((store[b] || {}).t || 0);
    });
    var chain = Promise.resolve();
    ids.forEach(function (id) { chain = chain.then(function () { return send(items[id]); }); });
    return chain.then(waitForInflight);
  }
  function waitForInflight() {
    var start = performance.now();
    return new Promise(function (resolve) {
      (function poll() {
        var busy = Object.keys(items).some(function (id) { return items[id].inflight; });
        if (!busy || performance.now() - start > 5000) resolve();
        else setTimeout(poll, 50);
      })();
    });
  }

  function setDisabled(disabled) {
    Array.prototype.forEach.call(root.querySelectorAll(".answer-form input, .answer-form textarea"), function (el) {
      if (el.name === "csrf_token") return;
      el.readOnly = disabled;
      if (el.type === "radio" || el.type === "checkbox") el.disabled = disabled;
    });
    Array.prototype.forEach.call(root.querySelectorAll("form[data-next-form] button, .answer-form button"), function (el) {
      el.disabled = disabled;
    });
  }

  // ---- wiring ----
  function wire(item) {
    item.form.addEventListener("input", function (e) {
      if (e.target.name === "csrf_token") return;
      edited(item);
    });
    item.form.addEventListener("change", function () { send(item); });
    item.form.addEventListener("focusout", function () { send(item); });
    item.form.addEventListener("submit", function (e) { e.preventDefault(); send(item); });
    if (item.conflictEl) {
      item.conflictEl.querySelector("[data-keep-mine]").addEventListener("click", function () { resolveConflict(item, true); });
      item.conflictEl.querySelector("[data-take-theirs]").addEventListener("click", function () { resolveConflict(item, false); });
    }
  }
  Object.keys(items).forEach(function (id) { wire(items[id]); });
  // A form that arrives later (a live follow-up question, static/js/live_prompts.js) saves the same way.
  window.mlmockAttempt = {
    addForm: function (form) {
      if (items[form.dataset.itemId]) return;
      wire(register(form));
      if (phase !== "open") setDisabled(true);
    },
  };

  // Restore what this browser typed but the server has not acknowledged (a reload, a crash).
  Object.keys(store).forEach(function (id) {
    var item = items[id], entry = store[id];
    if (!item || !entry || !entry.value) { delete store[id]; return; }
    var pending = entry.pending;
    if (pending && pending.save_id === item.storedSaveId) {
      // the pending save was stored (its reply was lost): it is what the page shows
      if (same(entry.value, item.saved)) { delete store[id]; return; }
      writeValue(item, entry.value); // typed after it: a new save on top
    } else if (pending && pending.base === item.base) {
      item.pending = pending; // not stored yet: resend it identically, then anything newer
      writeValue(item, entry.value);
    } else if (!pending && entry.base === item.base) {
      if (same(entry.value, item.saved)) { delete store[id]; return; }
      writeValue(item, entry.value);
    } else {
      // stored has moved on since this browser's text was based on it: let the candidate choose
      var storedValue = item.saved;
      writeValue(item, entry.value);
      showConflict(item, { revision: item.base, value: storedValue, saved_at: null });
    }
    markNavigator(item, entry.value);
  });
  persist();
  if (unsavedCount()) {
    showStatus("error", "Not saved yet — sending answers kept in this browser…");
    flushAll();
  }

  window.addEventListener("online", function () {
    Object.keys(items).forEach(function (id) { items[id].backoff = 0; });
    flushAll();
  });
  window.addEventListener("offline", function () {
    showStatus("error", "Not saved — offline. Your answers are kept in this browser and sent when you reconnect.");
  });

  // Navigation away (submit, next question): save first.
  function flushThen(go) {
    return function (e) {
      if (!unsavedCount()) return;
      e.preventDefault();
      flushAll().then(go);
    };
  }
  var submitLink = document.getElementById("submit-link");
  if (submitLink) {
    submitLink.addEventListener("click", flushThen(function () { window.location.assign(submitLink.href); }));
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-next-form]"), function (form) {
    form.addEventListener("submit", flushThen(function () { form.submit(); }));
  });

  // Closing the tab: hand pending saves to the browser (they stay in localStorage in any case).
  window.addEventListener("pagehide", function () {
    if (!navigator.sendBeacon) return;
    Object.keys(items).forEach(function (id) {
      var item = items[id], pending = item.pending;
      if (!pending || item.inflight || item.conflict) return;
      var params = new URLSearchParams();
      params.append("csrf_token", saver.csrf());
      params.append("base_revision", String(pending.base));
      params.append("save_id", pending.save_id);
      Object.keys(pending.value).forEach(function (k) {
        var v = pending.value[k];
        if (Array.isArray(v)) v.forEach(function (x) { params.append(k, String(x)); });
        else params.append(k, String(v));
      });
      navigator.sendBeacon(item.url, params);
    });
  });

  showDeadline(root.dataset.deadline);
  // a live session's stream (static/js/live.js) says the deadline changed: ask the server now
  root.addEventListener("mlmock:resync", function () { pollStatus(); });
  if (phase !== "open") enterPhase(phase);
  tick();
  setInterval(tick, 250);
  setInterval(pollStatus, POLL_MS);
})();
