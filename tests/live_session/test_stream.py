"""The live session's event stream, through the ASGI app on a committed database: who may open
it, heartbeats, and that a revoked sign-in ends it."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from tests.fixtures import Client
from tests.live_session.conftest import LiveApps
from tests.sse import sse

pytestmark = pytest.mark.anyio


async def test_only_the_mentor_and_the_candidate_may_open_the_stream(live: LiveApps) -> None:
    app = await live.started()
    b = await live.book(app, app)
    url = f"/live/{b.session_id}/events"
    other_candidate, _ = await live.signed_in(app, ["candidate"])
    other_mentor, _ = await live.signed_in(app, ["candidate", "mentor"])
    admin, _ = await live.signed_in(app, ["admin"])
    for c in (other_candidate, other_mentor, admin):
        async with sse(app, c, url) as s:
            assert s.status == 404
    anonymous = Client(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
    async with sse(app, anonymous, url) as s:
        assert s.status in (401, 303)
    for c in (b.mentor, b.candidate):
        async with sse(app, c, url) as s:
            assert s.status == 200
            assert s.headers["content-type"].startswith("text/event-stream")
            await s.pings(2)  # heartbeats keep coming while nothing happens


async def test_signing_out_ends_the_stream(live: LiveApps) -> None:
    app = await live.started()
    b = await live.book(app, app)
    async with sse(app, b.candidate, f"/live/{b.session_id}/events") as s:
        assert s.status == 200
        await s.pings(1)
        r = await b.candidate.post("/logout")
        assert r.status_code in (200, 303)
        assert await s.next() is None  # the next heartbeat finds the sign-in gone and ends it


async def test_open_streams_hold_no_database_connection(live: LiveApps) -> None:
    """More streams than the app's pool has connections (4 + 4 overflow) all run: a stream gives
    its connection back before its first byte (each heartbeat borrows one for its check)."""
    app = await live.started()
    # six tabs each: past the default per-user cap (tests/live_session/test_stream_cap.py)
    app.state.settings = app.state.settings.model_copy(update={"live_streams_per_user": 6})
    b = await live.book(app, app)
    url = f"/live/{b.session_id}/events"
    async with contextlib.AsyncExitStack() as stack:
        streams = [await stack.enter_async_context(sse(app, c, url)) for c in [b.mentor, b.candidate] * 6]
        assert [s.status for s in streams] == [200] * 12
        await asyncio.gather(*(s.pings(2) for s in streams))
        page = await b.mentor.get(f"/bookings/{b.booking_id}")  # and pages are still served
        assert page.status_code == 200


async def test_signing_out_ends_a_stream_that_keeps_receiving_events(live: LiveApps) -> None:
    """The sign-in is re-checked every heartbeat interval even while events never stop (a busy
    stream has no idle heartbeat): the mentor signs out while the candidate keeps saving."""
    from tests.live_session.test_live import free_text, open_session, save

    app = await live.started()
    app.state.settings = app.state.settings.model_copy(update={"live_heartbeat_seconds": 1.0})
    b = await live.book(app, app)
    attempt = await open_session(b)
    item = free_text(attempt)[0]
    loop = asyncio.get_running_loop()
    async with sse(app, b.mentor, f"/live/{b.session_id}/events") as s:
        assert s.status == 200
        rev = await save(b.candidate, attempt, item, "a", 0)
        await s.until("answer.saved")
        r = await b.mentor.post("/logout")
        assert r.status_code in (200, 303)
        ended, stop = False, loop.time() + 10  # ten heartbeat intervals of saves without a pause
        while not ended and loop.time() < stop:
            await asyncio.sleep(0.15)  # under the autosave rate limit, well inside a heartbeat
            rev = await save(b.candidate, attempt, item, "a" * (rev + 2), rev)
            while (ev := await s.next(wait=10)) is not None and ev.payload.get("revision") != rev:
                pass
            ended = ev is None
        assert ended, "a signed-out mentor's stream kept delivering the candidate's answers"
