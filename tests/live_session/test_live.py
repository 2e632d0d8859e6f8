"""Live sessions with real commits: opening rules, saves reaching the mentor's stream from another
app "process", replay after a reconnect, deadline changes, and streams that never show another
session's events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.interviews.models import Attempt
from app.kit import clock
from app.reviews.models import Notification
from tests.fixtures import Client
from tests.live_session.conftest import Booked, LiveApps
from tests.sse import sse

pytestmark = pytest.mark.anyio


async def open_session(b: Booked) -> dict[str, Any]:
    """The mentor opens it; the candidate's attempt (API view, with its items)."""
    r = await b.mentor.post(f"/live/bookings/{b.booking_id}/open")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/live/{b.session_id}"
    panel = await b.candidate.get(f"/live/bookings/{b.booking_id}/panel", headers={"HX-Request": "true"})
    attempt_id = panel.text.split('href="/attempts/')[1].split('"')[0]
    r = await b.candidate.get(f"/api/v1/attempts/{attempt_id}")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def save(c: Client, attempt: dict[str, Any], item: dict[str, Any], text: str, base: int) -> int:
    r = await c.post(
        f"/attempts/{attempt['id']}/items/{item['id']}/answer",
        json={"base_revision": base, "save_id": uuid.uuid4().hex, "text": text},
    )
    assert r.status_code == 200, r.text
    return int(r.json()["revision"])


def free_text(attempt: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in attempt["items"] if i["kind"] == "free_text"]


async def test_opening_rules(live: LiveApps) -> None:
    app = await live.started()
    early = await live.book(app, app, minutes_ahead=40)
    r = await early.mentor.post(f"/live/bookings/{early.booking_id}/open")
    assert r.status_code == 409 and "Too early" in r.text

    b = await live.book(app, app, minutes_ahead=5)
    other_mentor, _ = await live.signed_in(app, ["candidate", "mentor"])
    assert (await other_mentor.post(f"/live/bookings/{b.booking_id}/open")).status_code == 404
    assert (await b.candidate.post(f"/live/bookings/{b.booking_id}/open")).status_code == 403
    panel = await b.candidate.get(f"/live/bookings/{b.booking_id}/panel", headers={"HX-Request": "true"})
    assert "has not started yet" in panel.text and "/attempts/" not in panel.text

    attempt = await open_session(b)  # 10 minutes early at most: allowed
    assert attempt["state"] == "in_progress" and len(attempt["items"]) == 3
    again = await b.mentor.post(f"/live/bookings/{b.booking_id}/open")
    assert again.status_code == 409  # a second tab or a double click starts nothing
    async with live.maker() as s:
        attempts = (await s.execute(select(func.count()).select_from(Attempt))).scalar_one()
        told = (
            (await s.execute(select(Notification).where(Notification.kind == "live_opened"))).scalars().all()
        )
    assert attempts == 1
    assert [(n.user_id, n.url) for n in told] == [(b.candidate_id, f"/attempts/{attempt['id']}")]
    page = await b.mentor.get(f"/bookings/{b.booking_id}")
    assert "/live/bookings/" in page.text  # the booking page loads the live block
    watch = await b.mentor.get(f"/live/bookings/{b.booking_id}/panel", headers={"HX-Request": "true"})
    assert f'href="/live/{b.session_id}"' in watch.text
    # the candidate's attempt page loads its live block; nobody else gets that block
    page = await b.candidate.get(f"/attempts/{attempt['id']}")
    assert f"/live/attempts/{attempt['id']}/panel" in page.text
    block = await b.candidate.get(f"/live/attempts/{attempt['id']}/panel", headers={"HX-Request": "true"})
    assert block.status_code == 200 and f'data-events="/live/{b.session_id}/events?after=' in block.text
    for c in (b.mentor, other_mentor):
        r = await c.get(f"/live/attempts/{attempt['id']}/panel", headers={"HX-Request": "true"})
        assert r.status_code == 404
    assert (await other_mentor.get(f"/live/{b.session_id}")).status_code == 404
    assert (await other_mentor.get(f"/live/bookings/{b.booking_id}/panel")).status_code == 404
    page = await b.mentor.get(f"/live/{b.session_id}")  # nothing saved yet
    assert page.status_code == 200 and page.text.count("nothing saved yet") == 3
    # the candidate's own page of the session sends them to their attempt
    r = await b.candidate.get(f"/live/{b.session_id}")
    assert r.status_code == 303 and r.headers["location"] == f"/attempts/{attempt['id']}"

    late = await live.book(app, app, minutes_ahead=5, minutes=15)
    clock.advance(timedelta(minutes=5 + 1 + 15 + 1))  # past the end of the 15-minute slot
    r = await late.mentor.post(f"/live/bookings/{late.booking_id}/open")
    assert r.status_code == 409 and "Too late" in r.text


@pytest.mark.slow  # two app instances, each with its own event dispatcher (as two processes)
async def test_saves_reach_the_mentor_served_by_another_process(live: LiveApps) -> None:
    mentor_app, candidate_app = await live.started(), await live.started()
    b = await live.book(mentor_app, candidate_app)
    async with sse(mentor_app, b.mentor, f"/live/{b.session_id}/events") as s:
        assert s.status == 200
        attempt = await open_session(b)
        opened = await s.until("live.opened")
        assert opened.payload["attempt_id"] == attempt["id"]
        first, second = free_text(attempt)
        rev = await save(b.candidate, attempt, first, "Momentum keeps", 0)
        rev = await save(b.candidate, attempt, first, "Momentum keeps a running average", rev)
        await save(b.candidate, attempt, second, "Warm-up avoids huge early steps", 0)
        got = [await s.until("answer.saved") for _ in range(3)]
    assert [(e.payload["item_id"], e.payload["revision"], e.payload["value"]["text"]) for e in got] == [
        (first["id"], 1, "Momentum keeps"),
        (first["id"], 2, "Momentum keeps a running average"),
        (second["id"], 1, "Warm-up avoids huge early steps"),
    ]
    assert all(e.id is not None and e.data["attempt_id"] == attempt["id"] for e in got)
    assert [e.id for e in got] == sorted(e.id for e in got)
    assert got[0].payload["position"] == first["position"] and "time_spent_seconds" in got[0].payload
    # a choice is shown by its option's number
    [choice] = [i for i in attempt["items"] if i["kind"] == "single_choice"]
    r = await b.candidate.post(
        f"/attempts/{attempt['id']}/items/{choice['id']}/answer",
        json={"base_revision": 0, "save_id": "c1", "choice": 0},
    )
    assert r.status_code == 200, r.text
    # the mentor's page shows the latest saved text
    page = await b.mentor.get(f"/live/{b.session_id}")
    assert "Momentum keeps a running average" in page.text and "Reference answer" in page.text
    assert "Option 1</pre>" in page.text


@pytest.mark.slow  # two app instances, each with its own event dispatcher (as two processes)
async def test_a_reconnecting_stream_gets_what_it_missed(live: LiveApps) -> None:
    mentor_app, candidate_app = await live.started(), await live.started()
    b = await live.book(mentor_app, candidate_app)
    attempt = await open_session(b)
    item = free_text(attempt)[0]
    url = f"/live/{b.session_id}/events"
    async with sse(mentor_app, b.mentor, url) as s:
        await s.pings(1)  # connected
        rev = await save(b.candidate, attempt, item, "one", 0)
        last = await s.until("answer.saved")
    # disconnected: these saves happen while nobody listens
    for text in ("one two", "one two three", "one two three four"):
        rev = await save(b.candidate, attempt, item, text, rev)
    async with sse(mentor_app, b.mentor, url, headers={"Last-Event-ID": str(last.id)}) as s:
        missed = [await s.until("answer.saved") for _ in range(3)]
        rev = await save(b.candidate, attempt, item, "and live again", rev)
        after = await s.until("answer.saved")
    assert [e.payload["value"]["text"] for e in missed] == ["one two", "one two three", "one two three four"]
    assert [e.payload["revision"] for e in missed] == [2, 3, 4]
    assert after.payload["revision"] == 5 and after.id is not None and after.id > missed[-1].id


@pytest.mark.slow  # two app instances, each with its own event dispatcher (as two processes)
async def test_streams_show_only_their_own_session(live: LiveApps) -> None:
    app_a, app_b = await live.started(), await live.started()
    one = await live.book(app_a, app_b)
    two = await live.book(app_b, app_a)
    a1, a2 = await open_session(one), await open_session(two)
    async with (
        sse(app_a, one.mentor, f"/live/{one.session_id}/events") as m1,
        sse(app_b, two.candidate, f"/live/{two.session_id}/events") as c2,
        sse(app_b, one.candidate, f"/live/{one.session_id}/events") as c1,
    ):
        # another session's participants are refused on this session
        async with sse(app_a, two.mentor, f"/live/{one.session_id}/events") as refused:
            assert refused.status == 404
        async with sse(app_a, one.candidate, f"/live/{two.session_id}/events") as refused:
            assert refused.status == 404
        await save(two.candidate, a2, free_text(a2)[0], "session two's answer", 0)
        await save(one.candidate, a1, free_text(a1)[0], "session one's answer", 0)
        seen_m1 = await m1.until("answer.saved")
        seen_c1 = await c1.until("answer.saved")
        seen_c2 = await c2.until("answer.saved")
    assert seen_m1.payload["value"]["text"] == "session one's answer"
    assert seen_c1.payload["value"]["text"] == "session one's answer"
    assert seen_c2.payload["value"]["text"] == "session two's answer"
    for ev in m1.seen + c1.seen:
        assert ev.data["attempt_id"] in (None, a1["id"]), ev
    for ev in c2.seen:
        assert ev.data["attempt_id"] in (None, a2["id"]), ev


async def test_a_non_live_save_emits_nothing(live: LiveApps) -> None:
    app = await live.started()
    b = await live.book(app, app)
    fmt = await live.format_id()
    r = await b.candidate.post(f"/api/v1/formats/{fmt}/attempts")
    assert r.status_code == 201
    attempt = r.json()
    async with live.maker() as s:
        before = (await s.execute(select(func.count()).select_from(_event_table()))).scalar_one()
    await save(b.candidate, attempt, free_text(attempt)[0], "practising alone", 0)
    async with live.maker() as s:
        after = (await s.execute(select(func.count()).select_from(_event_table()))).scalar_one()
    assert after == before


@pytest.mark.slow  # two app instances, each with its own event dispatcher (as two processes)
async def test_deadline_changes_and_the_end_reach_both_streams(live: LiveApps) -> None:
    mentor_app, candidate_app = await live.started(), await live.started()
    b = await live.book(mentor_app, candidate_app)
    attempt = await open_session(b)
    admin, _ = await live.signed_in(candidate_app, ["admin"])
    async with (
        sse(mentor_app, b.mentor, f"/live/{b.session_id}/events") as m,
        sse(candidate_app, b.candidate, f"/live/{b.session_id}/events") as c,
    ):
        await asyncio.gather(m.pings(1), c.pings(1))
        r = await admin.post(f"/admin/attempts/{attempt['id']}/extend", data={"minutes": "7"})
        assert r.status_code == 303, r.text
        seen = [await m.until("attempt.deadline_changed"), await c.until("attempt.deadline_changed")]
        r = await b.mentor.post(f"/live/{b.session_id}/end")
        assert r.status_code == 303
        ended = [await m.until("live.ended"), await c.until("live.ended")]
        assert await m.next() is None and await c.next() is None  # both streams end
    for ev in seen:
        assert ev.payload["extended_seconds"] == 420
        assert ev.payload["deadline_at"] > attempt["deadline_at"]
    assert {e.payload["session_id"] for e in ended} == {str(b.session_id)}
    async with sse(mentor_app, b.mentor, f"/live/{b.session_id}/events") as again:
        assert again.status == 204  # an ended session's stream: the browser stops reconnecting


def _event_table() -> Any:
    from app.events.models import DomainEvent

    return DomainEvent
