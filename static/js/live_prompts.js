// The candidate's side of the live follow-up ladder, on the attempt page of a live attempt.
// A `live.prompt` event on the session's stream (static/js/live.js; the handler is registered with
// mlmockLive.on once every deferred script has run) makes this script fetch the prompt as the server renders it
// (GET /attempts/{id}/prompts/{prompt_id}) and show it under its question; a follow-up's answer box
// is then autosaved by static/js/attempt.js like any answer (window.mlmockAttempt.addForm).
// A static file: the CSP allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) return;
  var attemptId = root.dataset.attemptId;
  var asked = {};

  function container(itemId) {
    return document.querySelector('[data-prompts-for="' + itemId + '"]') || document.getElementById("live-prompts-other");
  }

  function show(payload) {
    var id = payload.prompt_id;
    if (!id || asked[id] || document.getElementById("prompt-" + id)) return;
    asked[id] = true;
    fetch("/attempts/" + attemptId + "/prompts/" + id, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html || document.getElementById("prompt-" + id)) return;
        var box = container(payload.item_id);
        if (!box) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim(); // our own server-rendered, sanitised fragment
        var el = tpl.content.firstElementChild;
        box.appendChild(el);
        box.hidden = false;
        var form = el.querySelector("form.answer-form");
        if (form && window.mlmockAttempt) window.mlmockAttempt.addForm(form);
      })
      .catch(function () { asked[id] = false; }); // the next replay of the event tries again
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.mlmockLive) mlmockLive.on("live.prompt", show);
  });
})();
