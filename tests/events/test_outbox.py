"""Domain events after commit, on a real database with real commits: an event of a rolled-back
transaction is never delivered nor handled; a committed one reaches a listener in another OS
process; replay after an id returns what was missed (also after the listener was away); handlers
that write run once however many processes race for the event; old handled events are pruned.

Nothing here depends on timing: waits are bounded only to end a hung test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import anyio
import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import ROOT
from app.db import make_engine, make_sessionmaker
from app.events import Audience, Dispatcher, Event, EventKind, emit, events_after, outbox
from app.reviews.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.anyio
HUNG = 60  # seconds: only ends a hung test


@pytest.fixture(scope="module")
def url(make_database) -> str:  # type: ignore[no-untyped-def]
    return make_database("mlmock_events")  # type: ignore[no-any-return]


@pytest.fixture
async def maker(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(url, pool_size=4, max_overflow=4)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def listening(url: str, maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Dispatcher]:
    d = Dispatcher(url, maker, heartbeat_seconds=1)
    task = asyncio.create_task(d.run(retry_seconds=0.2))
    with anyio.fail_after(HUNG):
        await d.connected.wait()
    yield d
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def new_user(maker: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    user, _ = await UserFactory(maker).create()
    return user.id


async def released(
    maker: async_sessionmaker[AsyncSession], user_id: uuid.UUID, title: str, *, commit: bool = True
) -> Event:
    """A `feedback.released` event in its own transaction, committed (handlers run as a request's
    would, right after) or rolled back."""
    async with maker() as s:
        ev = await emit(
            s,
            EventKind.feedback_released,
            {"attempt_id": str(uuid.uuid4()), "format_title": title},
            Audience(user_ids=(user_id,)),
        )
        if not commit:
            await s.rollback()
            await outbox.run_after_commit(maker, s)  # (what a careless caller might do: runs nothing)
            return ev
        await s.commit()
        await outbox.run_after_commit(maker, s)
    return ev


async def notifications(maker: async_sessionmaker[AsyncSession], user_id: uuid.UUID) -> list[str]:
    async with maker() as s:
        rows = await s.execute(select(Notification.message).where(Notification.user_id == user_id))
        return list(rows.scalars())


async def test_a_rolled_back_event_is_never_delivered_nor_handled(
    maker: async_sessionmaker[AsyncSession], listening: Dispatcher
) -> None:
    ghost, real = await new_user(maker), await new_user(maker)
    async with listening.subscribe() as events:
        lost = await released(maker, ghost, "rolled back", commit=False)
        kept = await released(maker, real, "committed")
        with anyio.fail_after(HUNG):
            first = await anext(events)
        assert (first.id, first.kind, first.payload["format_title"]) == (
            kept.id,
            "feedback.released",
            "committed",
        )
        assert events.queue.empty()
    assert await outbox.handle_pending(maker, grace_seconds=0) == 0  # nothing left over either
    async with maker() as s:
        assert lost.id not in {e.id for e in await events_after(s, 0)}
    assert await notifications(maker, ghost) == []
    assert await notifications(maker, real) == ["Mentor feedback on “committed” is ready."]


LISTENER = """
import asyncio, json, sys
from app.db import make_engine, make_sessionmaker
from app.events import Dispatcher

async def main(url, count):
    d = Dispatcher(url, make_sessionmaker(make_engine(url, pool_size=1)))
    task = asyncio.create_task(d.run())
    await d.connected.wait()
    print("ready", flush=True)
    async with d.subscribe() as events:
        for _ in range(count):
            ev = await anext(events)
            print(json.dumps(ev.to_json()), flush=True)
    task.cancel()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


@pytest.mark.slow  # a second Python process
async def test_a_committed_event_reaches_a_listener_in_another_process(
    url: str, maker: async_sessionmaker[AsyncSession]
) -> None:
    user = await new_user(maker)
    proc = subprocess.Popen(  # noqa: ASYNC220 - starting it is quick; its output is read in a thread
        [sys.executable, "-c", LISTENER, url, "2"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        with anyio.fail_after(HUNG):
            assert (await anyio.to_thread.run_sync(proc.stdout.readline)).strip() == "ready"
        await released(maker, user, "never sent", commit=False)
        one = await released(maker, user, "first")
        two = await released(maker, user, "second")
        with anyio.fail_after(HUNG):
            lines = [await anyio.to_thread.run_sync(proc.stdout.readline) for _ in range(2)]
            await anyio.to_thread.run_sync(proc.wait)
        got = [json.loads(line) for line in lines]
        assert [(g["id"], g["payload"]["format_title"]) for g in got] == [
            (one.id, "first"),
            (two.id, "second"),
        ]
        assert got[0]["user_ids"] == [str(user)] and got[0]["kind"] == "feedback.released"
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


async def test_replay_after_an_id_returns_what_was_missed(
    url: str, maker: async_sessionmaker[AsyncSession]
) -> None:
    me, other = await new_user(maker), await new_user(maker)
    sent = [await released(maker, me if n != 2 else other, f"no. {n}") for n in range(5)]
    async with maker() as s:
        after = await events_after(s, sent[1].id)
        mine = await events_after(s, sent[1].id, user_id=me)
    assert [e.id for e in after] == [e.id for e in sent[2:]]
    assert [e.payload["format_title"] for e in mine] == ["no. 3", "no. 4"]  # no. 2 was someone else's

    # a listener that was away (its process stopped listening) catches up when it is back,
    # and a subscriber with Last-Event-ID gets the missed ones, then live ones, each once
    d = Dispatcher(url, maker, heartbeat_seconds=1)
    task = asyncio.create_task(d.run(retry_seconds=0.2))
    with anyio.fail_after(HUNG):
        await d.connected.wait()
    async with d.subscribe(user_id=me) as live:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        away = await released(maker, me, "while away")
        task = asyncio.create_task(d.run(retry_seconds=0.2))
        with anyio.fail_after(HUNG):
            assert (await anext(live)).id == away.id  # from the table: no notification reached it
        assert d.connections == 2
        async with d.subscribe(after=sent[2].id, user_id=me) as resumed:
            later = await released(maker, me, "live")
            with anyio.fail_after(HUNG):
                got = [(await anext(resumed)).payload["format_title"] for _ in range(4)]
                assert got == ["no. 3", "no. 4", "while away", "live"]
                # "live" came both from the table and as a notification: delivered once
                await released(maker, me, "final")
                assert (await anext(resumed)).payload["format_title"] == "final"
            assert resumed.last_id > later.id
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_killed_listen_connection_reconnects_and_misses_nothing(
    url: str, maker: async_sessionmaker[AsyncSession], listening: Dispatcher
) -> None:
    user = await new_user(maker)
    async with listening.subscribe(user_id=user) as events:
        with psycopg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (listening.backend_pid,))
        sent = await released(maker, user, "after the kill")
        with anyio.fail_after(HUNG):
            got = await anext(events)
            while listening.connections < 2:  # noqa: ASYNC110 - a counter, not an event
                await asyncio.sleep(0.1)
        assert got.id == sent.id


async def test_handlers_run_once_however_many_processes_race(
    url: str, maker: async_sessionmaker[AsyncSession]
) -> None:
    user = await new_user(maker)
    async with maker() as s:  # committed, but its emitting "process" died before handling it
        ev = await emit(
            s, EventKind.feedback_released, {"attempt_id": "x", "format_title": "race"}, Audience((user,))
        )
        await s.commit()
    engines = [make_engine(url, pool_size=2) for _ in range(3)]
    try:
        makers = [make_sessionmaker(e) for e in engines]
        results = await asyncio.gather(
            *(outbox.handle(m, ev.id) for m in makers),
            *(outbox.handle_pending(m, grace_seconds=0) for m in makers),
        )
    finally:
        for e in engines:
            await e.dispose()
    assert sum(results) == 1
    assert await notifications(maker, user) == ["Mentor feedback on “race” is ready."]
    assert await outbox.handle(maker, ev.id) is False


async def test_handled_events_are_pruned_after_the_retention(maker: async_sessionmaker[AsyncSession]) -> None:
    user = await new_user(maker)
    old, fresh = await released(maker, user, "old"), await released(maker, user, "fresh")
    async with maker() as s:
        unhandled = await emit(
            s, EventKind.feedback_released, {"attempt_id": "x", "format_title": "u"}, Audience((user,))
        )
        await s.execute(
            text("UPDATE domain_event SET created_at = now() - interval '8 days' WHERE id = ANY(:ids)"),
            {"ids": [old.id, unhandled.id]},
        )
        await s.commit()
    await outbox.prune(maker, days=7)
    async with maker() as s:
        left = set(
            (await s.execute(select(func.array_agg(text("id"))).select_from(text("domain_event")))).scalar()
            or []
        )
    assert old.id not in left and {fresh.id, unhandled.id} <= left  # unhandled ones wait for their handlers


class _Emails(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.sent.append(getattr(record, "to", "?"))


async def test_no_email_leaves_for_a_transaction_that_rolls_back(
    maker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the outbox, notify() logged the e-mail inside the transaction: a release that then
    rolled back had already "sent" it. Now the e-mail leaves only after the commit, once."""
    from app.config import get_settings
    from app.reviews import notify

    monkeypatch.setattr(get_settings(), "notify_email", True)
    emails, logger = _Emails(), logging.getLogger("mlmock.email")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(emails)
    try:
        user, _ = await UserFactory(maker).create()
        for commit in (False, True):
            async with maker() as s:
                await notify.feedback_changed(
                    s, EventKind.feedback_released, user.id, attempt_id=uuid.uuid4(), format_title="t"
                )
                await (s.commit() if commit else s.rollback())
                await outbox.run_after_commit(maker, s)
            assert emails.sent == ([user.email] if commit else [])
        await outbox.handle_pending(maker, grace_seconds=0)  # (other tests' left-overs may go now)
        assert emails.sent.count(user.email) == 1
    finally:
        logger.removeHandler(emails)
        logger.setLevel(level)


async def test_an_event_too_large_for_a_notification_is_read_from_the_table(
    maker: async_sessionmaker[AsyncSession], listening: Dispatcher
) -> None:
    user = await new_user(maker)
    title = "x" * 10_000  # pg_notify payloads stop at 8000 bytes: the notification carries only the id
    async with listening.subscribe(user_id=user) as events:
        sent = await released(maker, user, title)
        with anyio.fail_after(HUNG):
            got = await anext(events)
    assert (got.id, got.payload["format_title"], got.user_ids) == (sent.id, title, (user,))


async def test_the_sweeper_handles_what_a_dead_process_left(
    url: str, maker: async_sessionmaker[AsyncSession]
) -> None:
    from app.interviews.sweeper import sweep_url

    user = await new_user(maker)
    async with maker() as s:  # committed; the process died before its after-commit handling
        ev = await emit(
            s, EventKind.feedback_released, {"attempt_id": "x", "format_title": "left"}, Audience((user,))
        )
        await s.execute(
            text("UPDATE domain_event SET created_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": ev.id},
        )
        await s.commit()
    await sweep_url(url)  # `mlmock sweep`, as the background sweeper does
    assert await notifications(maker, user) == ["Mentor feedback on “left” is ready."]


async def test_replay_after_an_id_also_returns_the_lower_ids_that_committed_after_it(
    url: str, maker: async_sessionmaker[AsyncSession]
) -> None:
    """Ids are taken at insert: a transaction that inserted first can commit last. A replay after
    id N (a reconnect's Last-Event-ID, or the id a page was rendered at) returns those lower ids
    too, but not the ones committed before N, nor N itself (failed on main first)."""
    me = await new_user(maker)
    before = await released(maker, me, "committed before")
    plain = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
    insert = (
        "INSERT INTO domain_event (kind, payload, user_ids, handled_at)"
        " VALUES ('feedback.released', %s::jsonb, ARRAY[%s]::uuid[], now()) RETURNING id"
    )

    async def open_insert(conn: psycopg.AsyncConnection, title: str) -> int:
        cur = await conn.execute(insert, (json.dumps({"format_title": title}), str(me)))
        row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    late, rolled_back, seen = [await psycopg.AsyncConnection.connect(plain) for _ in range(3)]
    try:
        low = await open_insert(late, "late")
        lost = await open_insert(rolled_back, "rolled back")
        high = await open_insert(seen, "seen")
        await seen.commit()
        async with maker() as s:  # a reader got `high`; `low` is not committed yet
            assert [e.id for e in await events_after(s, before.id, user_id=me)] == [high]
        await late.commit()
        await rolled_back.rollback()
        after = await released(maker, me, "committed after")
        async with maker() as s:
            got = await events_after(s, high, user_id=me)
            unknown = await events_after(s, high + 1_000_000, user_id=me)  # no such event: no look-back
        assert [e.id for e in got] == [low, after.id]
        assert lost < high and unknown == []
    finally:
        for conn in (late, rolled_back, seen):
            await conn.close()
