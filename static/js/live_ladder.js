// The mentor's side of the live follow-up ladder, on the live page (templates/live/_ladder.html).
// - A follow-up or hint button (or the box for a follow-up of one's own) posts its form with fetch
//   and marks it sent; without JavaScript the form posts and the page comes back.
// - The session's stream (static/js/live.js; handlers registered with mlmockLive.on once every
//   deferred script has run): `live.prompt` adds the entry to the question's log (fetched as the
//   server renders it), `live.followup_answer` shows the candidate's answer as it is saved.
// - The private notes autosave through static/js/autosave.js (the answers' protocol).
// A static file: the CSP allows no inline script.
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var clockText = window.mlmockAutosave ? mlmockAutosave.clockText : function (iso) { return iso; };
  var root = document.getElementById("live");
  if (!root) return;
  var sessionId = root.dataset.sessionId;
  var asked = {};

  function newId() {
    return window.mlmockAutosave ? mlmockAutosave.newSaveId() : String(Date.now()) + Math.random();
  }

  // ---- sending ----
  Array.prototype.forEach.call(document.querySelectorAll("form[data-ladder-send]"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var status = form.querySelector("[data-ladder-status]");
      var button = form.querySelector("button[type=submit]");
      var text = form.querySelector("textarea[name=text]");
      if (text && !text.value.trim()) { if (status) status.textContent = "Type the follow-up first."; return; }
      button.disabled = true;
      if (status) status.textContent = "Sending…";
      fetch(form.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": (csrfMeta || {}).content || "" },
        body: new FormData(form),
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            return { ok: response.ok, data: data };
          });
        })
        .then(function (r) {
          if (!r.ok) {
            if (status) status.textContent = r.data.error || "Not sent.";
            button.disabled = false;
            return;
          }
          if (status) status.textContent = "Sent " + clockText(r.data.sent_at);
          if (text) { // a follow-up of one's own: the box is ready for the next one
            text.value = "";
            form.querySelector("[data-send-id]").value = newId();
            button.disabled = false;
          }
          showEntry({ prompt_id: r.data.prompt_id, item_id: r.data.item_id });
        })
        .catch(function () {
          // the same send id again: a retry is recognised by the server, never sent twice
          if (status) status.textContent = "Not sent (the connection failed): try again.";
          button.disabled = false;
        });
    });
  });

  // ---- the log ----
  function showEntry(p) {
    var id = p.prompt_id;
    if (!id || asked[id] || document.getElementById("ladder-entry-" + id)) return;
    asked[id] = true;
    fetch("/live/" + sessionId + "/prompts/" + id, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var log = document.querySelector('[data-ladder-log="' + p.item_id + '"]');
        if (!html || !log || document.getElementById("ladder-entry-" + id)) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim(); // our own server-rendered, sanitised fragment
        log.appendChild(tpl.content.firstElementChild);
      })
      .catch(function () { asked[id] = false; });
  }
  function showAnswer(p) {
    var el = document.querySelector('[data-answer-for="' + p.prompt_id + '"]');
    if (!el) { showEntry(p); return; }
    if (parseInt(el.dataset.revision || "0", 10) >= p.revision) return; // a replay of an older save
    el.dataset.revision = String(p.revision);
    el.textContent = p.text || "(empty)"; // the candidate's text: never as HTML
    var at = document.querySelector('[data-answer-time-for="' + p.prompt_id + '"]');
    if (at && p.saved_at) at.textContent = "saved " + clockText(p.saved_at);
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.mlmockLive) return;
    mlmockLive.on("live.prompt", showEntry);
    mlmockLive.on("live.followup_answer", showAnswer);
  });

  // ---- notes ----
  var notesForm = document.getElementById("interviewer-notes-form");
  if (notesForm && window.mlmockAutosave) {
    var notesStatus = document.getElementById("interviewer-notes-status");
    var area = notesForm.querySelector("textarea[name=text]");
    var show = function (state, text) { notesStatus.dataset.state = state; notesStatus.textContent = text; };
    var saver = mlmockAutosave.create({
      tokenUrl: notesForm.dataset.tokenUrl,
      debounceMs: 800,
      read: function () { return { text: area.value }; },
      status: show,
      stale: function (u, data) {
        u.conflict = data;
        show("error", (data && data.error) || "Not saved: your notes were changed elsewhere. Reload to see them.");
      },
      refused: function (u, data) { show("error", (data && data.error) || "Not saved."); },
    });
    var unit = saver.unit({
      url: notesForm.dataset.notesUrl,
      base: parseInt(notesForm.dataset.revision, 10) || 0,
      storedSaveId: notesForm.dataset.saveId || "",
    });
    unit.saved = { text: area.value };
    area.addEventListener("input", function () { show("pending", "Unsaved changes…"); saver.schedule(unit, 800); });
    area.addEventListener("blur", function () { saver.send(unit); });
    notesForm.addEventListener("submit", function (e) { e.preventDefault(); saver.send(unit); });
  }
})();
