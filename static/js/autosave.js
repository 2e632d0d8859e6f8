// Compare-and-swap autosave, shared by the attempt page (answers) and the review page (drafts).
// A static file because the CSP allows no inline script; loaded before the page's own script.
//
// The protocol (SPEC §4): each save names the stored revision its value is based on
// (`base_revision`) and a save id. Per unit (an answer, a review draft) there is at most one
// pending save; until it is answered it is resent *identically* (same save id), so a retry can never
// be mistaken for another tab. 200 gives the new stored revision (the next base). 409 "stale"
// stops autosaving that unit: nothing is overwritten without the user choosing. 503/429/5xx and
// network failures are retried with backoff, never sooner than the server's Retry-After.
// 401/403 fetch a fresh CSRF token (when the page names a token URL) and resend the same save.
//
// The page owns what a unit's value is and what the user sees; it passes hooks:
//   read(unit) -> value | null      the value to save (a plain object, merged into the JSON body)
//   canSend() -> bool               false while the page does not accept edits
//   remember(unit)                  a pending save was created or settled (e.g. buffer it locally)
//   status(state, text)             the page's status line (state: saved | error)
//   saved(unit, data)               after a 200 (unit.saved/base/storedSaveId already updated)
//   stale(unit, data)               after a 409 stale (unit.pending already cleared)
//   closed(unit, data)              after a 409 closed (refused for good); may return a promise
//   refused(unit, data)             any other refusal (404, 413, 422, …)
//   retrying(unit)                  a retry was scheduled (after status() showed why)
//   messages                        texts for offline, failed, session, signedOut, retry
window.mlmockAutosave = (function () {
  "use strict";
  var MAX_BACKOFF_MS = 10000;
  var MESSAGES = {
    offline: "Not saved — offline. Your answers are kept in this browser and sent when you reconnect.",
    failed: "Not saved — retrying (the connection failed). Your answer is kept here.",
    session: "Not saved — your session changed; retrying. Your answer is kept here.",
    signedOut: "Not saved — you are signed out. Sign in again in another tab; your answers are kept here and sent then.",
    retry: "Not saved — retrying. Your answer is kept here.",
  };

  function same(a, b) {
    return JSON.stringify(a || null) === JSON.stringify(b || null);
  }
  function clockText(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }
  function newSaveId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function noop() {}

  function create(opts) {
    var hooks = Object.assign(
      {
        canSend: function () { return true; },
        remember: noop, status: noop, saved: noop, stale: noop, closed: noop, refused: noop, retrying: noop,
      },
      opts
    );
    var messages = Object.assign({}, MESSAGES, opts.messages || {});
    var csrfMeta = document.querySelector('meta[name="csrf-token"]');
    var csrf = (csrfMeta || {}).content || "";

    // A unit: where it saves, the stored revision the page knows, and the protocol's state.
    function unit(fields) {
      return Object.assign(
        {
          url: "",
          base: 0, // the stored revision this page knows
          storedSaveId: "",
          saved: null, // what the server has stored (as rendered)
          pending: null, // {save_id, base, value}: sent until answered, always identically
          inflight: false,
          conflict: null, // set by the page on a stale reply; no saves until it is cleared
          timer: null,
          backoff: 0,
          retryAt: 0, // no scheduled save before this time (ms since the epoch)
          needToken: false,
        },
        fields
      );
    }

    function schedule(u, delay) {
      // an edit during a backoff does not bring the retry forward (Retry-After still holds)
      delay = Math.max(delay, (u.retryAt || 0) - Date.now());
      clearTimeout(u.timer);
      u.timer = setTimeout(function () { send(u); }, delay);
    }

    function send(u) {
      clearTimeout(u.timer);
      if (u.inflight || u.conflict || !hooks.canSend()) return Promise.resolve();
      if (!u.pending) {
        // a new save only once the previous one is answered, based on the revision it got
        var value = hooks.read(u);
        if (value === null || same(value, u.saved)) { hooks.remember(u); return Promise.resolve(); }
        u.pending = { save_id: newSaveId(), base: u.base, value: value };
        hooks.remember(u);
      }
      if (!navigator.onLine) {
        retryLater(u, messages.offline);
        return Promise.resolve();
      }
      var pending = u.pending;
      u.inflight = true;
      var body = Object.assign({ base_revision: pending.base, save_id: pending.save_id }, pending.value);
      return fetch(u.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify(body),
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            return { status: response.status, data: data, retryAfter: response.headers.get("Retry-After") };
          });
        })
        .then(function (r) {
          u.inflight = false;
          return handle(u, pending, r);
        })
        .catch(function () {
          u.inflight = false;
          retryLater(u, messages.failed);
        });
    }

    function handle(u, pending, r) {
      var status = r.status, data = r.data || {};
      if (status === 200 && typeof data.revision !== "number") status = 502; // not our reply (a proxy page)
      if (status === 200) {
        u.backoff = 0;
        u.retryAt = 0;
        u.pending = null;
        u.base = data.revision;
        u.storedSaveId = data.save_id || "";
        u.saved = pending.value;
        hooks.remember(u);
        hooks.status("saved", "Saved " + clockText(data.saved_at));
        hooks.saved(u, data);
        if (!same(hooks.read(u), u.saved)) schedule(u, opts.debounceMs || 800); // edited while in flight
        return;
      }
      if (status === 409 && data.reason === "stale") {
        u.pending = null; // refused, nothing written; the local value stays
        hooks.stale(u, data);
        hooks.remember(u);
        return;
      }
      if (status === 409 && data.reason === "closed") {
        u.pending = null;
        hooks.remember(u);
        return hooks.closed(u, data);
      }
      if (status === 403) {
        // a new session (signed in again in another tab): fetch its CSRF token, resend the same save
        u.needToken = true;
        retryLater(u, messages.session);
        return;
      }
      if (status === 401) {
        u.needToken = true;
        retryLater(u, messages.signedOut);
        return;
      }
      if (status === 503 || status === 429 || status >= 500) {
        var after = parseFloat(r.retryAfter);
        retryLater(u, messages.retry, isFinite(after) ? after * 1000 : 0);
        return;
      }
      // refused for good (moved on, too large, invalid): the page keeps the value visible
      u.pending = null;
      hooks.remember(u);
      hooks.refused(u, data);
    }

    function refreshToken() {
      if (!opts.tokenUrl) return Promise.resolve(false);
      return fetch(opts.tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.csrf_token) return false;
          csrf = data.csrf_token;
          if (csrfMeta) csrfMeta.content = csrf;
          if (document.body.hasAttribute("hx-headers:inherited")) {
            document.body.setAttribute("hx-headers:inherited", JSON.stringify({ "X-CSRFToken": csrf }));
          }
          Array.prototype.forEach.call(document.querySelectorAll('input[name="csrf_token"]'), function (el) {
            el.value = csrf;
          });
          return true;
        })
        .catch(function () { return false; });
    }

    function retryLater(u, message, delayMs) {
      u.backoff = Math.min(MAX_BACKOFF_MS, u.backoff ? u.backoff * 2 : 1000);
      var wait = Math.max(delayMs || 0, u.backoff);
      u.retryAt = Date.now() + wait;
      hooks.status("error", message);
      hooks.retrying(u);
      clearTimeout(u.timer);
      u.timer = setTimeout(function () {
        if (u.needToken) {
          u.needToken = false;
          refreshToken().then(function () { send(u); });
        } else {
          send(u);
        }
      }, wait);
    }

    return {
      unit: unit,
      send: send,
      schedule: schedule,
      retryLater: retryLater,
      csrf: function () { return csrf; },
    };
  }

  return { create: create, same: same, clockText: clockText, newSaveId: newSaveId, messages: MESSAGES };
})();
