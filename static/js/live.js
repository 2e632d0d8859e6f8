// Live sessions (app/live): one EventSource per page on the session's stream
// (GET /live/{id}/events; event kinds and payloads in app/live/__init__.py).
// - the mentor's live page (#live): each saved answer appears as it is saved, with the time on the
//   question; the countdown follows extensions; the attempt's state and the session's end show.
// - the booking page's live block (#live-panel, loaded by htmx): the candidate's "Join" appears
//   when the mentor opens the session.
// - the candidate's attempt page (#live-panel): extensions resync the attempt's clock
//   (attempt.js listens for "mlmock:resync"); every event is also dispatched on `document` as a
//   "mlmock:live-event" DOM event (detail: {id, kind, attempt_id, created_at, payload}), which
//   static/js/live_prompts.js follows; or register with mlmockLive.on(kind, fn).
// A static file because the CSP allows no inline script. The browser reconnects by itself and
// sends Last-Event-ID, so the server replays what was missed.
(function () {
  "use strict";
  var handlers = {};
  var ANNOUNCE_EVERY_MS = 15000; // a screen reader hears a question's update at most this often
  // an EventSource hands a named event only to listeners of that name: every kind the stream sends
  var KINDS = ["live.opened", "live.ended", "answer.saved", "attempt.deadline_changed",
    "attempt.state_changed", "live.prompt", "live.followup_answer"];
  // the mentor's lines for the attempt's states and why the session ended (live.ended's reason);
  // the same words as templates/live/session.html renders
  var ATTEMPT_STATES = {
    in_progress: "The candidate is answering.",
    submitted: "The candidate submitted the attempt.",
    expired: "The candidate\u2019s time is up."
  };
  var ENDED = {
    submitted: "The candidate submitted: the session has ended.",
    time_up: "The candidate\u2019s time is up: the session has ended."
  };

  function on(kind, fn) {
    (handlers[kind] = handlers[kind] || []).push(fn);
  }
  window.mlmockLive = { on: on };

  function fmt(sec) {
    sec = Math.max(0, Math.ceil(sec));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }
  function hms(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toISOString().slice(11, 19) + " UTC";
  }
  function answerText(value) {
    if (!value) return "";
    if (typeof value.text === "string") return value.text;
    if (value.number !== undefined) return String(value.number);
    if (typeof value.choice === "number") return "Option " + (value.choice + 1);
    if (Array.isArray(value.choices)) {
      return value.choices.length ? "Options " + value.choices.map(function (i) { return Number(i) + 1; }).join(", ") : "No option";
    }
    return Object.keys(value).map(function (k) { return k + ": " + JSON.stringify(value[k]); }).join(", ");
  }

  function connect(el, extra) {
    if (el.dataset.liveConnected) return null;
    el.dataset.liveConnected = "1";
    var source = new EventSource(el.dataset.events, { withCredentials: true });
    function dispatch(e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      var list = (extra[e.type] || []).concat(handlers[e.type] || []);
      list.forEach(function (fn) { fn(data.payload || {}, data, source); });
      // every event, for the page's other scripts (static/js/live_prompts.js)
      document.dispatchEvent(new CustomEvent("mlmock:live-event", { detail: data }));
    }
    var kinds = {};
    Object.keys(extra).concat(Object.keys(handlers)).forEach(function (k) { if (k.indexOf(".") > 0) kinds[k] = true; });
    KINDS.forEach(function (k) { kinds[k] = true; });
    Object.keys(kinds).forEach(function (kind) { source.addEventListener(kind, dispatch); });
    // handlers registered later (another script) still get their events
    var register = on;
    window.mlmockLive.on = function (kind, fn) {
      register(kind, fn);
      if (!kinds[kind]) { kinds[kind] = true; source.addEventListener(kind, dispatch); }
    };
    if (extra.open) source.addEventListener("open", extra.open);
    if (extra.error) source.addEventListener("error", function () { extra.error(source); });
    return source;
  }

  // ---- the mentor's live page ----
  function mentorPage(root) {
    var countdown = document.getElementById("live-countdown");
    var deadlineEl = document.getElementById("live-deadline");
    var connection = document.getElementById("live-connection");
    var stateLine = document.getElementById("live-attempt-state");
    var announce = document.getElementById("live-announce");
    var where = document.getElementById("live-where");
    var remainingAtSync = parseFloat(root.dataset.remaining) || 0;
    var syncedAt = performance.now();
    var running = root.dataset.attemptState === "in_progress";
    var lastAnnounced = {};
    function remaining() { return remainingAtSync - (performance.now() - syncedAt) / 1000; }
    function tick() { if (countdown) countdown.textContent = fmt(running ? remaining() : 0); }
    setInterval(tick, 1000);
    tick();
    function status(state, text) {
      if (!connection) return;
      connection.dataset.state = state;
      connection.textContent = text;
    }
    if (root.dataset.state !== "open") return;
    connect(root, {
      open: function () { status("live", "Live: answers appear as they are saved."); },
      error: function (source) {
        status(source.readyState === 2 ? "closed" : "offline",
          source.readyState === 2 ? "The live stream has ended. Reload the page to see the latest answers." : "Connection lost: reconnecting…");
      },
      "answer.saved": [function (p) {
        var section = root.querySelector('[data-item-id="' + p.item_id + '"]');
        if (!section || Number(p.revision) <= Number(section.dataset.revision || 0)) return;
        section.dataset.revision = p.revision;
        section.querySelector("[data-answer]").textContent = answerText(p.value);
        section.querySelector("[data-saved-text]").textContent = "saved at " + hms(p.saved_at) + " (revision " + p.revision + ")";
        if (typeof p.time_spent_seconds === "number") {
          section.dataset.timeSpent = p.time_spent_seconds;
          section.querySelector("[data-time-spent-text]").textContent = fmt(p.time_spent_seconds);
        }
        root.querySelectorAll(".live-item.live-current").forEach(function (el) { el.classList.remove("live-current"); });
        section.classList.add("live-current");
        if (where) where.textContent = "Last saved: question " + section.dataset.position + ".";
        var now = Date.now();
        if (announce && !(now - (lastAnnounced[p.item_id] || 0) < ANNOUNCE_EVERY_MS)) {
          lastAnnounced[p.item_id] = now;
          announce.textContent = "Question " + section.dataset.position + ": the answer was updated.";
        }
      }],
      "attempt.deadline_changed": [function (p) {
        var before = new Date(root.dataset.deadline).getTime();
        var after = new Date(p.deadline_at).getTime();
        if (isNaN(before) || isNaN(after)) return;
        remainingAtSync = remaining() + (after - before) / 1000;
        syncedAt = performance.now();
        root.dataset.deadline = p.deadline_at;
        if (deadlineEl) { deadlineEl.setAttribute("datetime", p.deadline_at); deadlineEl.textContent = hms(p.deadline_at); }
        if (announce) announce.textContent = "The candidate's deadline is now " + hms(p.deadline_at) + ".";
        tick();
      }],
      "attempt.state_changed": [function (p) {
        root.dataset.attemptState = p.state;
        running = p.state === "in_progress";
        var review = document.getElementById("review-live-form");
        if (review && !running) review.hidden = false;
        if (stateLine) stateLine.textContent = ATTEMPT_STATES[p.state] || ("The attempt is " + String(p.state).replace("_", " ") + ".");
        if (announce) announce.textContent = stateLine ? stateLine.textContent : "";
        tick();
      }],
      "live.ended": [function (p, data, source) {
        source.close();
        status("closed", ENDED[p.reason] || "The session has ended.");
        var end = document.getElementById("end-live");
        if (end) end.disabled = true;
      }]
    });
  }

  // ---- the booking page's live block, the attempt page's live block ----
  function panel(el) {
    var join = el.querySelector("#live-join");
    var waiting = el.querySelector("#live-waiting");
    var announce = el.querySelector("#live-announce");
    var attempt = document.getElementById("attempt");
    if (el.dataset.liveState !== "scheduled" && el.dataset.liveState !== "open") return;
    if (el.dataset.liveState === "scheduled" && !join) return; // the mentor's block: nothing to follow
    connect(el, {
      "live.opened": [function (p) {
        if (!join) return;
        var link = join.querySelector("[data-join]");
        link.setAttribute("href", p.attempt_url);
        link.id = "join-live";
        join.hidden = false;
        if (waiting) waiting.hidden = true;
        if (announce) announce.textContent = "Your mentor opened the session: join it now.";
      }],
      "attempt.deadline_changed": [function () {
        if (attempt) attempt.dispatchEvent(new CustomEvent("mlmock:resync"));
      }],
      "live.ended": [function (p, data, source) {
        source.close();
        var line = el.querySelector("#live-state-line");
        if (line) line.textContent = p.reason === "mentor" || !p.reason
          ? "The mentor ended the live session; your attempt runs on to its deadline."
          : "The live session has ended with your attempt.";
      }]
    });
  }

  function scan() {
    var root = document.getElementById("live");
    if (root && !root.dataset.liveConnected) mentorPage(root);
    var p = document.getElementById("live-panel");
    if (p && !p.dataset.liveConnected) panel(p);
  }
  document.addEventListener("htmx:after:swap", scan);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
