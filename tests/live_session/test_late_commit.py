"""Replay after a reconnect and a late commit (issue 20, left last session): outbox ids are taken at
insert, commits can come in another order, so an event can commit *after* one with a higher id was
already sent. Two real connections make it happen: A inserts first (the lower id) and commits
last; the mentor's stream sees B's event, disconnects, and reconnects with Last-Event-ID = B's id
after A committed. A's event must still reach the mentor."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import psycopg
import pytest

from app.events.dispatcher import for_app
from tests.live_session.conftest import Booked, LiveApps
from tests.live_session.test_live import free_text, open_session, save
from tests.sse import sse

pytestmark = pytest.mark.anyio
GUARD = 60.0  # only keeps a broken test from hanging (heartbeats keep a stream busy)
INSERT = """
INSERT INTO domain_event (kind, payload, user_ids, attempt_id, handled_at)
VALUES ('answer.saved', %s::jsonb, ARRAY[%s]::uuid[], %s, now())
RETURNING id
"""


async def _emit_open(
    conn: Any, b: Booked, attempt: dict[str, Any], item: dict[str, Any], text: str, rev: int
) -> int:
    """An `answer.saved` event written and announced in `conn`'s open transaction (as the
    save_answer function writes it), not committed."""
    payload = {
        "attempt_id": attempt["id"],
        "item_id": item["id"],
        "position": 1,
        "revision": rev,
        "value": {"text": text},
        "saved_at": "2026-11-30T00:00:00+00:00",
    }
    cur = await conn.execute(INSERT, (json.dumps(payload), str(b.candidate_id), attempt["id"]))
    row = await cur.fetchone()
    assert row is not None
    await conn.execute("SELECT pg_notify('mlmock_events', %s)", (json.dumps({"id": row[0]}),))
    return int(row[0])


async def test_a_late_commit_below_the_last_sent_id_still_reaches_a_reconnecting_stream(
    live: LiveApps,
) -> None:
    app = await live.started()
    b = await live.book(app, app)
    attempt = await open_session(b)
    item = free_text(attempt)[0]
    url = re.sub(r"^postgresql\+\w+://", "postgresql://", live.url)
    a = await psycopg.AsyncConnection.connect(url)
    c = await psycopg.AsyncConnection.connect(url)
    try:
        low = await _emit_open(a, b, attempt, item, "late: committed last", 1)  # A: lower id, open
        high = await _emit_open(c, b, attempt, item, "early: committed first", 2)  # B: higher id
        assert low < high
        stream = f"/live/{b.session_id}/events"
        async with sse(app, b.mentor, stream) as s:
            await s.pings(1)  # connected
            await c.commit()  # B commits first: the stream sends the higher id
            seen = await asyncio.wait_for(s.until("answer.saved"), GUARD)
            assert seen.id == high
        # A commits after the stream sent B's higher id; this process has handed A's event out
        # (to nobody on the stream's session) before the stream reconnects
        async with for_app(app.state).subscribe(attempt_id=uuid.UUID(attempt["id"])) as watcher:
            await a.commit()
            while (await asyncio.wait_for(anext(watcher), GUARD)).id != low:
                pass
        async with sse(app, b.mentor, stream, headers={"Last-Event-ID": str(high)}) as s:
            await save(b.candidate, attempt, item, "a save after the reconnect", 0)
            # a replay is sent before live events: once this save arrives, the replay is complete
            while (await asyncio.wait_for(s.until("answer.saved"), GUARD)).payload["value"] != {
                "text": "a save after the reconnect"
            }:
                pass
        replayed = [e.id for e in s.seen if e.event == "answer.saved"]
        assert low in replayed, (low, high, replayed)
        assert high not in replayed  # what the stream had sent is not sent again
    finally:
        await a.close()
        await c.close()
