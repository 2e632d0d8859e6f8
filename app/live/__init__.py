"""Live mock interviews (issue 20): a mentor opens a booked session, the candidate's timed attempt
starts, and both pages follow it through one server-sent-event stream.

URLs (app/live/routes.py):
- `GET  /live/{session_id}` — the mentor's live page (the candidate is sent to their attempt).
- `GET  /live/{session_id}/events` — the SSE stream (`text/event-stream`), for the session's
  mentor and candidate only (anyone else: 404; signed out: 401; an ended or cancelled session:
  204, which tells an EventSource to stop reconnecting). `Last-Event-ID` (header) or `?after=N`
  (first connect: the id the page was rendered at) replays what was missed from the outbox.
- `POST /live/bookings/{booking_id}/open` — the mentor opens the session (see `service.open_window`).
- `POST /live/{session_id}/end` — the mentor ends it.
- `GET  /live/bookings/{booking_id}/panel` — the block the booking page loads (Open / Join / Watch).
- The follow-up ladder and notes (app/live/routes_ladder.py): `POST /live/{session_id}/prompts`,
  `GET /live/{session_id}/prompts/{prompt_id}`, `POST /live/{session_id}/notes`,
  `POST /live/{session_id}/review`.

Stream format: every event is
    id: <domain_event id>
    event: <kind>
    data: {"id": …, "kind": …, "attempt_id": …, "created_at": …, "payload": {…}}
and every `live_heartbeat_seconds` (MLMOCK_LIVE_HEARTBEAT_SECONDS, default 15) a comment line
`: ping`; at each heartbeat the viewer's sign-in and the session's state are checked again (a
revoked sign-in or an ended session ends the stream).

Event kinds (EventKind in app/events/outbox.py; ids are strings, times ISO 8601 UTC):
- `live.opened`  {session_id, booking_id, attempt_id, opened_at, attempt_url, live_url};
  audience: mentor + candidate, the attempt.
- `live.ended`   {session_id, booking_id, attempt_id, ended_at, reason (mentor | submitted |
  time_up)}; audience: mentor + candidate, the attempt. The stream sends it and closes.
- `answer.saved` {attempt_id, item_id, position, revision, value, saved_at, time_spent_seconds}
  (`value` is the stored answer, e.g. {"text": "…"} for free text); emitted by the `save_answer`
  SQL function for a stored save of a live attempt only (`attempt.live`); audience: the
  candidate, the attempt.
- `attempt.deadline_changed` {attempt_id, deadline_at, extended_seconds}; audience: the
  candidate, the attempt (an admin's extension, app/interviews/service.py).
- `attempt.state_changed` {attempt_id, transition, state, live?} (submit / expire …; `live: true`
  for a live attempt).
- `live.prompt` {attempt_id, prompt_id, item_id, position, kind (follow_up | hint), ref, text_html,
  sent_at}: the mentor sent a follow-up or hint (app/live/ladder.py → app/interviews/prompts.py);
  `live.followup_answer` {attempt_id, prompt_id, item_id, revision, text, saved_at}: the candidate's
  answer to a follow-up was stored; audience: candidate + mentor, the attempt.
A stream of an opened session carries every event of its attempt (the follow-up ladder's events
are emitted with the attempt as audience and reach both pages the same way).

Session end: the mentor ends it (`live.ended`, reason "mentor"; the streams close, the candidate's
attempt runs on to its own deadline or submit), or — decided — it ends by itself when its attempt
is over: submitted ("submitted") or finalised at its deadline ("time_up"), by the after-commit
handler of the attempt's `attempt.state_changed` (app/live/notify.py), so right after the submit's
commit (the sweeper runs it if that process died). Both streams get the state change, then
`live.ended`, and close; the mentor's notes still autosave and "Review this interview" appears.

Extension points for pages: templates/live/session.html includes `live/_item_tools.html` in each
question (context: `item`, a views.LiveItem with question_id and version_data; `live`) and
`live/_session_tools.html` in the side bar; templates/live/_attempt_panel.html includes
`live/_attempt_panel_extra.html`. static/js/live.js re-dispatches every stream event on `document`
as a `mlmock:live-event` DOM event (detail: the event's data), and `mlmockLive.on(kind, fn)`
registers a handler; a new kind must be added to its KINDS list (an EventSource delivers a named
event only to listeners of that name).
"""
