// The attempt page: autosave with per-item revisions, a countdown driven by the server's
// remaining seconds, offline buffering in localStorage, auto-submit when time is up.
// A static file because the CSP allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) return;

  var attemptId = root.dataset.attemptId;
  var submitUrl = root.dataset.submitUrl;
  var resultsUrl = root.dataset.resultsUrl;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var storeKey = "mlmock.attempt." + attemptId;
  var statusEl = document.getElementById("save-status");
  var warningEl = document.getElementById("time-warning");
  var countdownEl = document.getElementById("countdown");
  var DEBOUNCE_MS = 800;
  var MAX_BACKOFF_MS = 30000;

  // ---- the clock: remaining seconds from the server, measured with the monotonic clock ----
  var remainingAtSync = parseFloat(root.dataset.remaining) || 0;
  var syncedAt = performance.now();
  var finishing = false;
  var flushedBeforeDeadline = false;

  function remaining() {
    return remainingAtSync - (performance.now() - syncedAt) / 1000;
  }
  function resync(seconds) {
    if (typeof seconds === "number" && isFinite(seconds)) {
      remainingAtSync = seconds;
      syncedAt = performance.now();
    }
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
    if (left <= 3 && !flushedBeforeDeadline) {
      flushedBeforeDeadline = true;
      flushAll();
    }
    if (left <= 0 && !finishing) {
      finishing = true;
      finish();
    }
  }

  // ---- local buffer: what was typed and not yet acknowledged survives reloads and offline ----
  function loadStore() {
    try {
      return JSON.parse(localStorage.getItem(storeKey) || "{}") || {};
    } catch (e) {
      return {};
    }
  }
  var store = loadStore(); // itemId -> {rev, value, t}
  function persist() {
    try {
      if (Object.keys(store).length) localStorage.setItem(storeKey, JSON.stringify(store));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* storage full or disabled: saves still go to the server */ }
  }

  // ---- items ----
  var items = {};
  Array.prototype.forEach.call(document.querySelectorAll("form.answer-form"), function (form) {
    var id = form.dataset.itemId;
    items[id] = {
      id: id,
      form: form,
      kind: form.dataset.kind,
      url: form.getAttribute("action"),
      rev: parseInt(form.dataset.revision, 10) || 0, // highest revision known to be stored or sent
      acked: parseInt(form.dataset.revision, 10) || 0,
      inflight: false,
      timer: null,
      backoff: 0,
      statusEl: form.querySelector("[data-item-status]"),
    };
  });

  function readValue(item) {
    var f = item.form;
    if (item.kind === "free_text") return { text: f.elements.text.value };
    if (item.kind === "numeric") return { number: f.elements.number.value };
    if (item.kind === "single_choice") {
      var checked = f.querySelector('input[name="choice"]:checked');
      return checked ? { choice: parseInt(checked.value, 10) } : null;
    }
    var choices = [];
    Array.prototype.forEach.call(f.querySelectorAll('input[name="choices"]:checked'), function (el) {
      choices.push(parseInt(el.value, 10));
    });
    return { choices: choices };
  }
  function writeValue(item, value) {
    var f = item.form;
    if (item.kind === "free_text") f.elements.text.value = value.text || "";
    else if (item.kind === "numeric") f.elements.number.value = value.number || "";
    else if (item.kind === "single_choice") {
      Array.prototype.forEach.call(f.querySelectorAll('input[name="choice"]'), function (el) {
        el.checked = parseInt(el.value, 10) === value.choice;
      });
    } else {
      Array.prototype.forEach.call(f.querySelectorAll('input[name="choices"]'), function (el) {
        el.checked = (value.choices || []).indexOf(parseInt(el.value, 10)) >= 0;
      });
    }
  }
  function isAnswered(value) {
    if (!value) return false;
    if ("text" in value) return value.text.trim() !== "";
    if ("number" in value) return value.number.trim() !== "";
    if ("choices" in value) return value.choices.length > 0;
    return true;
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

  // ---- status line ----
  function showStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }
  function pendingCount() {
    return Object.keys(store).length;
  }
  function clockText(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  // ---- saving ----
  function edited(item) {
    var value = readValue(item);
    if (value === null) return;
    item.rev += 1;
    store[item.id] = { rev: item.rev, value: value, t: Date.now() };
    persist();
    markNavigator(item, value);
    if (item.statusEl) item.statusEl.textContent = "";
    schedule(item, DEBOUNCE_MS);
  }
  function schedule(item, delay) {
    clearTimeout(item.timer);
    item.timer = setTimeout(function () { send(item); }, delay);
  }

  function send(item) {
    clearTimeout(item.timer);
    var entry = store[item.id];
    if (!entry || item.inflight || finishing === "done") return Promise.resolve();
    if (!navigator.onLine) {
      retryLater(item, "Offline: your answers are kept in this browser and will be sent when you reconnect.");
      return Promise.resolve();
    }
    item.inflight = true;
    var body = Object.assign({ revision: entry.rev }, entry.value);
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (r) {
        item.inflight = false;
        handle(item, entry, r.status, r.data);
      })
      .catch(function () {
        item.inflight = false;
        retryLater(item, "Not saved: the connection failed.");
      });
  }

  function handle(item, entry, status, data) {
    if (status === 200) {
      item.backoff = 0;
      item.acked = Math.max(item.acked, data.revision);
      resync(data.remaining_seconds);
      var current = store[item.id];
      if (current && current.rev <= data.revision) delete store[item.id];
      persist();
      if (store[item.id]) schedule(item, 0); // newer edits arrived while this one was in flight
      showStatus("saved", "Saved " + clockText(data.saved_at));
      if (!pendingCount()) warningEl.hidden = true;
      return;
    }
    if (status === 409 && data.reason === "closed") {
      if (!finishing) { finishing = true; finish(); }
      return;
    }
    if (status === 409 || status === 413 || status === 422 || status === 404) {
      // refused for good: retrying cannot help; keep the text visible on the page
      if (store[item.id] && store[item.id].rev <= entry.rev) delete store[item.id];
      persist();
      if (item.statusEl) item.statusEl.textContent = data.error || "This answer was not saved.";
      showStatus("error", data.error || "An answer was not saved.");
      return;
    }
    if (status === 401) {
      retryLater(item, "You are signed out. Sign in again in another tab; your answers are kept here.");
      return;
    }
    retryLater(item, "Not saved: the server did not answer (" + status + ").");
  }

  function retryLater(item, message) {
    item.backoff = Math.min(MAX_BACKOFF_MS, item.backoff ? item.backoff * 2 : 1000);
    showStatus("error", message + " Retrying in " + Math.round(item.backoff / 1000) + " s.");
    warningEl.textContent = "Some answers are not saved yet (" + pendingCount() + "). Keep this page open.";
    warningEl.hidden = false;
    schedule(item, item.backoff);
  }

  // Send everything pending, oldest edit first (the order it was typed in).
  function flushAll() {
    var ids = Object.keys(store).sort(function (a, b) { return store[a].t - store[b].t; });
    var chain = Promise.resolve();
    ids.forEach(function (id) {
      if (items[id]) chain = chain.then(function () { return send(items[id]); });
    });
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

  // ---- time is up: save first, then submit; the server decides what counts ----
  function finish() {
    setDisabled(true);
    warningEl.textContent = "Time is up. Submitting your saved answers…";
    warningEl.hidden = false;
    flushAll().then(function () {
      finishing = "done";
      return fetch(submitUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
        body: "csrf_token=" + encodeURIComponent(csrf),
      });
    }).then(function () {
      window.location.assign(resultsUrl);
    }, function () {
      window.location.assign(resultsUrl);
    });
  }
  function setDisabled(disabled) {
    Array.prototype.forEach.call(root.querySelectorAll(".answer-form input, .answer-form textarea"), function (el) {
      if (el.name !== "csrf_token") el.readOnly = disabled;
      if (el.type === "radio" || el.type === "checkbox") el.disabled = disabled;
    });
  }

  // ---- wiring ----
  Object.keys(items).forEach(function (id) {
    var item = items[id];
    item.form.addEventListener("input", function (e) {
      if (e.target.name === "csrf_token") return;
      edited(item);
    });
    item.form.addEventListener("change", function () { send(item); });
    item.form.addEventListener("focusout", function () { send(item); });
    item.form.addEventListener("submit", function (e) { e.preventDefault(); send(item); });
  });

  // Restore what this browser typed but the server has not acknowledged, then send it in order.
  Object.keys(store).forEach(function (id) {
    var item = items[id];
    if (!item) { delete store[id]; return; }
    if (store[id].rev <= item.acked) { delete store[id]; return; }
    writeValue(item, store[id].value);
    markNavigator(item, store[id].value);
    item.rev = store[id].rev;
  });
  persist();
  if (pendingCount()) {
    showStatus("error", "Sending answers kept in this browser…");
    flushAll();
  }

  window.addEventListener("online", function () {
    Object.keys(items).forEach(function (id) { items[id].backoff = 0; });
    flushAll();
  });
  window.addEventListener("offline", function () {
    showStatus("error", "Offline: your answers are kept in this browser and will be sent when you reconnect.");
  });

  // Navigation away (submit, next question, navigator links to other pages): save first.
  function flushThen(go) {
    return function (e) {
      if (!pendingCount()) return;
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
    Object.keys(store).forEach(function (id) {
      var item = items[id], entry = store[id];
      if (!item || item.inflight) return;
      var params = new URLSearchParams();
      params.append("csrf_token", csrf);
      params.append("revision", String(entry.rev));
      Object.keys(entry.value).forEach(function (k) {
        var v = entry.value[k];
        if (Array.isArray(v)) v.forEach(function (x) { params.append(k, String(x)); });
        else params.append(k, String(v));
      });
      navigator.sendBeacon(item.url, params);
    });
  });

  if (root.dataset.phase !== "open") {
    finishing = true;
    finish();
  }
  tick();
  setInterval(tick, 250);
})();
