"""Decided (issue 20's follow-up): when the candidate submits a live attempt — or it is finalised
at its deadline — the live session ends by itself, in the moment: both streams get the attempt's
`attempt.state_changed` and then `live.ended` (saying why) and close; the mentor does not have
to end it. What the mentor does after the interview still works: the private notes autosave, and
the page offers "Review this interview"."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from app.kit import clock
from tests.live_session.conftest import LiveApps
from tests.live_session.test_live import open_session
from tests.sse import sse

pytestmark = pytest.mark.anyio
# heartbeats keep a stream busy, so waiting for an event that never comes would never end: this
# only keeps a failing test from hanging (it is not a latency bound)
GUARD = 60.0


@pytest.mark.slow  # two app instances, each with its own event dispatcher (as two processes)
async def test_submitting_ends_the_live_session_at_once(live: LiveApps) -> None:
    mentor_app, candidate_app = await live.started(), await live.started()
    b = await live.book(mentor_app, candidate_app)
    attempt = await open_session(b)
    url = f"/live/{b.session_id}/events"
    async with sse(mentor_app, b.mentor, url) as m, sse(candidate_app, b.candidate, url) as c:
        await asyncio.gather(m.pings(1), c.pings(1))
        r = await b.candidate.post(f"/attempts/{attempt['id']}/submit")
        assert r.status_code == 303, r.text
        for s in (m, c):
            changed = await s.until("attempt.state_changed")
            assert changed.payload["state"] == "submitted"
            ended = await asyncio.wait_for(s.until("live.ended"), GUARD)
            assert ended.payload["session_id"] == str(b.session_id)
            assert ended.payload["reason"] == "submitted"
            assert await s.next() is None  # the stream ends with the session
    page = (await b.mentor.get(f"/live/{b.session_id}")).text
    assert 'id="review-live"' in page and "The candidate submitted" in page
    r = await b.mentor.post(f"/live/{b.session_id}/end")
    assert r.status_code == 409  # nothing left to end
    notes = {"base_revision": 0, "save_id": uuid.uuid4().hex, "text": "wrap-up: strong on momentum"}
    r = await b.mentor.post(f"/live/{b.session_id}/notes", json=notes)
    assert r.status_code == 200, r.text
    r = await b.mentor.post(f"/live/{b.session_id}/review")
    assert r.status_code == 303 and r.headers["location"].startswith("/reviews/")


async def test_an_attempt_finalised_at_its_deadline_ends_its_session(live: LiveApps) -> None:
    app = await live.started()
    b = await live.book(app, app)
    attempt = await open_session(b)
    async with sse(app, b.mentor, f"/live/{b.session_id}/events") as m:
        await m.pings(1)
        for _ in range(3):  # past the deadline (30 min) and its grace, signed in all along
            clock.advance(timedelta(minutes=20))
            for who in (b.candidate, b.mentor):
                assert (await who.get("/account")).status_code == 200
        r = await b.candidate.get(f"/attempts/{attempt['id']}/status")  # a request finalises it
        assert r.status_code == 200 and r.json()["state"] != "in_progress", r.text
        ended = await asyncio.wait_for(m.until("live.ended"), GUARD)
        assert ended.payload["reason"] == "time_up"
        assert await m.next() is None
