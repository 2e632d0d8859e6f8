"""One participant cannot open unbounded live streams (a red-team run held 835 at once and slowed
everyone): past `live_streams_per_user` open streams in a process the next is refused with 429,
Retry-After and a JSON message; closing a stream frees its slot."""

from __future__ import annotations

import contextlib

import pytest

from tests.live_session.conftest import LiveApps
from tests.live_session.test_live import open_session
from tests.sse import sse

pytestmark = pytest.mark.anyio

CAP = 3


async def test_open_streams_per_user_are_capped_and_a_closed_one_frees_a_slot(live: LiveApps) -> None:
    app = await live.started()
    app.state.settings = app.state.settings.model_copy(update={"live_streams_per_user": CAP})
    b = await live.book(app, app)
    await open_session(b)
    url = f"/live/{b.session_id}/events"
    tabs = [contextlib.AsyncExitStack() for _ in range(CAP)]
    try:
        streams = [await t.enter_async_context(sse(app, b.mentor, url)) for t in tabs]
        assert [s.status for s in streams] == [200] * CAP
        for s in streams:
            await s.pings(1)  # each one runs
        async with sse(app, b.mentor, url) as extra:
            assert extra.status == 429
            assert int(extra.headers["retry-after"]) > 0
            assert await extra._block(30) is None  # the body is one JSON document, then the end
            assert "Too many live streams" in extra._buffer and '"reason"' in extra._buffer
        # the other participant is not counted against the mentor
        async with sse(app, b.candidate, url) as theirs:
            assert theirs.status == 200
        # a closed tab frees its slot (and only one)
        await tabs[0].aclose()
        async with sse(app, b.mentor, url) as again:
            assert again.status == 200
            await again.pings(1)
            async with sse(app, b.mentor, url) as over:
                assert over.status == 429
    finally:
        for t in tabs:
            await t.aclose()
