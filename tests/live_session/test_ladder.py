"""The follow-up ladder of a live session (issue 20), with real commits and two app "processes":
a follow-up or hint the mentor sends reaches the candidate's stream (and no other session's), is
logged with its time, and only the session's mentor may send; the candidate's answer to a
follow-up reaches the mentor's stream; the mentor's notes autosave and prefill their review, whose
page shows the log; analytics count the hints given."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.analytics.refresh import refresh_all
from app.interviews import formats
from app.interviews.models import LivePrompt
from app.kit import clock
from app.questions.models import Question
from tests import factories
from tests.fixtures import Client
from tests.live_session.conftest import Booked, LiveApps
from tests.live_session.test_live import open_session
from tests.sse import sse

pytestmark = pytest.mark.anyio
SCRIPT = {"Accept": "application/json"}  # as static/js/live_ladder.js sends it


async def ladder_format(live: LiveApps) -> uuid.UUID:
    """The booked format: one free-text question with two follow-ups and two hints."""
    async with live.maker() as s:
        await factories.publish_questions(s, [factories.ladder_doc()])
        doc = factories.format_doc(
            {"title": "Live ladder", "slots": [{"topic": factories.LADDER_TOPIC, "count": 1}]}
        )
        fmt = await formats.save_format(s, doc, admin=None)
        await s.commit()
    live.fmt = fmt.id
    return fmt.id


async def send(
    c: Client, session_id: uuid.UUID, item_id: str, kind: str, ref: str = "", text: str = ""
) -> Any:
    form = {"item_id": item_id, "kind": kind, "ref": ref, "text": text, "send_id": uuid.uuid4().hex}
    return await c.post(f"/live/{session_id}/prompts", data=form, headers=SCRIPT)


@pytest.mark.slow  # two app instances, each with its own event dispatcher (as two processes)
async def test_a_prompt_reaches_the_candidates_stream_only_and_is_logged_with_its_time(
    live: LiveApps,
) -> None:
    mentor_app, candidate_app = await live.started(), await live.started()
    await ladder_format(live)
    b: Booked = await live.book(mentor_app, candidate_app)
    other: Booked = await live.book(mentor_app, candidate_app)
    attempt, other_attempt = await open_session(b), await open_session(other)
    item, other_item = attempt["items"][0]["id"], other_attempt["items"][0]["id"]

    async with (
        sse(candidate_app, b.candidate, f"/live/{b.session_id}/events") as mine,
        sse(candidate_app, other.candidate, f"/live/{other.session_id}/events") as theirs,
        sse(mentor_app, b.mentor, f"/live/{b.session_id}/events") as mentor_stream,
    ):
        before = clock.now()
        r = await send(b.mentor, b.session_id, item, "hint", "1")
        assert r.status_code == 200, r.text
        hint = r.json()
        assert hint["kind"] == "hint" and hint["ref"] == 1 and hint["new"] is True
        ev = await mine.until("live.prompt")
        assert ev.payload["prompt_id"] == hint["prompt_id"] and ev.payload["item_id"] == item
        assert "<math" in ev.payload["text_html"]  # the hint's formula, rendered when it was written
        again = await send(b.mentor, b.session_id, item, "hint", "1")  # a second click: no second hint
        assert again.json()["prompt_id"] == hint["prompt_id"] and again.json()["new"] is False

        r = await send(other.mentor, other.session_id, other_item, "follow_up", text="Why a square?")
        assert r.status_code == 200, r.text
        ev = await theirs.until("live.prompt")  # the first prompt on their stream is their own
        assert ev.payload["prompt_id"] == r.json()["prompt_id"]
        assert all(e.payload.get("prompt_id") != hint["prompt_id"] for e in theirs.seen)

        r = await send(b.mentor, b.session_id, item, "follow_up", "0")
        fu = r.json()["prompt_id"]
        ev = await mine.until("live.prompt")
        assert ev.payload["prompt_id"] == fu and ev.payload["kind"] == "follow_up"
        body = {"base_revision": 0, "save_id": "a1", "text": "L = 2 here."}
        r = await b.candidate.post(f"/attempts/{attempt['id']}/prompts/{fu}/answer", json=body)
        assert r.status_code == 200 and r.json()["revision"] == 1
        ev = await mentor_stream.until("live.followup_answer")  # served by the other app process
        assert ev.payload == {**ev.payload, "prompt_id": fu, "revision": 1, "text": "L = 2 here."}
    after = clock.now()

    async with live.maker() as s:
        logged = (
            (await s.execute(select(LivePrompt).where(LivePrompt.attempt_id == uuid.UUID(attempt["id"]))))
            .scalars()
            .all()
        )
    assert sorted((p.kind, p.ref) for p in logged) == [("follow_up", 0), ("hint", 1)]
    assert all(before <= p.sent_at <= after and p.sent_by == b.mentor_id for p in logged)
    page = (await b.mentor.get(f"/live/{b.session_id}")).text
    assert f'id="ladder-entry-{fu}"' in page and "L = 2 here.</pre>" in page and " UTC</time>" in page
    assert 'name="ref" value="1">' in page  # the buttons are on the mentor's page
    candidate_page = (await b.candidate.get(f"/attempts/{attempt['id']}")).text
    assert f'id="prompt-{hint["prompt_id"]}"' in candidate_page and f'id="prompt-{fu}"' in candidate_page


async def test_only_the_sessions_mentor_sends_and_only_while_it_is_open(live: LiveApps) -> None:
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    early = await send(b.mentor, b.session_id, str(uuid.uuid4()), "hint", "0")
    assert early.status_code == 409 and early.json()["reason"] == "closed"  # not opened yet
    attempt = await open_session(b)
    item = attempt["items"][0]["id"]
    assert (await send(b.candidate, b.session_id, item, "hint", "0")).status_code == 403
    stranger, _ = await live.signed_in(app, ["candidate", "mentor"])
    assert (await send(stranger, b.session_id, item, "hint", "0")).status_code == 404
    assert (await send(b.mentor, b.session_id, item, "hint", "7")).status_code == 404  # no such hint
    assert (await send(b.mentor, b.session_id, str(uuid.uuid4()), "hint", "0")).status_code == 404
    assert (await send(b.mentor, b.session_id, item, "follow_up", text="  ")).status_code == 422
    assert (await send(b.mentor, b.session_id, item, "hint")).status_code == 422  # a hint is scripted
    r = await send(b.mentor, b.session_id, item, "follow_up", text="Typed by the mentor")
    assert r.status_code == 200 and r.json()["ref"] is None
    # without JavaScript: the form posts and the live page comes back
    form = {"item_id": item, "kind": "hint", "ref": "0", "send_id": "nojs"}
    r = await b.mentor.post(f"/live/{b.session_id}/prompts", data=form)
    assert r.status_code == 303 and r.headers["location"] == f"/live/{b.session_id}#ladder-{item}"
    assert (await b.mentor.post(f"/live/{b.session_id}/end")).status_code == 303
    r = await send(b.mentor, b.session_id, item, "hint", "1")
    assert r.status_code == 409 and r.json()["reason"] == "closed"
    async with live.maker() as s:
        n = len((await s.execute(select(LivePrompt))).scalars().all())
    assert n == 2  # nothing refused was logged


async def test_notes_autosave_prefill_the_review_and_analytics_count_hints(live: LiveApps) -> None:
    app = await live.started()
    await ladder_format(live)
    b = await live.book(app, app)
    attempt = await open_session(b)
    aid, item = attempt["id"], attempt["items"][0]["id"]
    url = f"/live/{b.session_id}/notes"
    r = await b.mentor.post(url, json={"base_revision": 0, "save_id": "n1", "text": "Slow start."})
    assert r.status_code == 200 and r.json()["revision"] == 1
    r = await b.mentor.post(url, json={"base_revision": 0, "save_id": "n1", "text": "Slow start."})
    assert r.status_code == 200 and r.json()["revision"] == 1  # the retry of a lost reply
    r = await b.mentor.post(
        url, json={"base_revision": 1, "save_id": "n2", "text": "Slow start; the hint helped."}
    )
    assert r.json()["revision"] == 2
    r = await b.mentor.post(url, json={"base_revision": 1, "save_id": "n3", "text": "an older tab"})
    assert (
        r.status_code == 409
        and r.json()["reason"] == "stale"
        and r.json()["value"]["text"].endswith("helped.")
    )
    r = await b.candidate.post(url, json={"base_revision": 2, "save_id": "c1", "text": "mine now"})
    assert r.status_code == 403
    assert "Slow start; the hint helped.</textarea>" in (await b.mentor.get(f"/live/{b.session_id}")).text

    assert (await send(b.mentor, b.session_id, item, "hint", "0")).status_code == 200
    assert (await b.mentor.post(f"/live/{b.session_id}/review")).status_code == 409  # still running
    assert (await b.candidate.post(f"/api/v1/attempts/{aid}/submit")).status_code == 200
    assert (await b.candidate.post(f"/live/{b.session_id}/review")).status_code == 403
    r = await b.mentor.post(f"/live/{b.session_id}/review")
    assert r.status_code == 303 and r.headers["location"].startswith("/reviews/")
    review = (await b.mentor.get(r.headers["location"])).text
    assert ">Slow start; the hint helped.</textarea>" in review  # the private note, prefilled
    assert f'id="i-{item}-hint-0" name="i-{item}-hint" value="0" checked' in review
    assert "Live interview: follow-ups and hints" in review and "into the interview" in review
    again = await b.mentor.post(f"/live/{b.session_id}/review")  # the same review, not a second one
    assert again.headers["location"] == r.headers["location"]

    admin, _ = await live.signed_in(app, ["candidate", "mentor", "admin"])
    async with live.maker() as s:
        await refresh_all(s)
        await s.commit()
    table = (await admin.get("/admin/analytics")).text
    assert "Live: hint given" in table and "1 of 1 (100%)" in table
    async with live.maker() as s:
        question = (await s.execute(select(Question).where(Question.external_id == "ladder-1"))).scalar_one()
    page = (await admin.get(f"/admin/analytics/questions/{question.id}")).text
    assert "given in 1 of 1 live interviews (100%), 1 hints in all" in page
