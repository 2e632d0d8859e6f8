"""The live side of events: one LISTEN connection per app process hands every committed event to
this process's subscribers (SSE streams), whichever process emitted it.

- `Dispatcher.run()` (a lifespan background job) connects, LISTENs, and on every reconnect first
  catches up from the outbox (`domain_event`) with the events it missed, then follows
  notifications; a heartbeat query notices a dead connection.
- `Dispatcher.subscribe(after=…, user_id=…, attempt_id=…, kinds=…)` is an async iterator of
  events (use it as `async with d.subscribe(...) as events: async for ev in events`). With
  `after` it first replays the committed events with a higher id (SSE `Last-Event-ID`), then goes
  on live; a subscriber that falls behind (its queue is full) replays from the table too.
- Delivery is at-least-once, de-duplicated by event id. Ids are taken at insert, so a transaction
  that commits late can deliver an id lower than one already seen. A replay after `after` also
  sends the lower ids that event `after`'s insert snapshot did not see (outbox.events_after: they
  may have committed after it); the lag and reconnect catch-ups also look back `LOOKBACK` ids,
  and skip what was already delivered.
The after-commit handlers (notifications, e-mail) are not run here: see app/events/outbox.py.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events.outbox import CHANNEL, Event, events_after

log = logging.getLogger("mlmock.events")

LOOKBACK = 1000  # ids a replay looks behind the highest one delivered (late commits)
_REMEMBER = 20_000  # delivered ids remembered for de-duplication
_FETCH = "SELECT id, kind, payload, user_ids, attempt_id, created_at FROM domain_event"


class _Seen:
    """A bounded set of ids, forgetting the oldest."""

    def __init__(self, size: int = _REMEMBER) -> None:
        self._ids: set[int] = set()
        self._order: collections.deque[int] = collections.deque()
        self._size = size

    def add(self, event_id: int) -> bool:
        """True if new."""
        if event_id in self._ids:
            return False
        self._ids.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class Subscription:
    """One subscriber's events (see Dispatcher.subscribe)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        after: int | None,
        user_id: uuid.UUID | None,
        attempt_id: uuid.UUID | None,
        kinds: Iterable[str] | None,
        maxsize: int,
    ) -> None:
        self._dispatcher = dispatcher
        self.user_id, self.attempt_id = user_id, attempt_id
        self.kinds = frozenset(kinds) if kinds is not None else None
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self._backlog: collections.deque[Event] = collections.deque()
        self._seen = _Seen()
        self._replay_from = after
        self.last_id = after or 0
        self.lagged = False

    def wants(self, ev: Event) -> bool:
        if self.kinds is not None and ev.kind not in self.kinds:
            return False
        if self.user_id is not None and self.user_id not in ev.user_ids:
            return False
        return self.attempt_id is None or ev.attempt_id == self.attempt_id

    def offer(self, ev: Event) -> None:
        if self.wants(ev):
            try:
                self.queue.put_nowait(ev)
            except asyncio.QueueFull:
                self.lagged = True  # the next read replays from the table

    async def _replay(self, after: int) -> None:
        async with self._dispatcher.maker() as session:
            found = await events_after(session, after, user_id=self.user_id, attempt_id=self.attempt_id)
        self._backlog.extend(ev for ev in found if self.wants(ev))

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._replay_from is not None:
                after, self._replay_from = self._replay_from, None
                await self._replay(after)
            if self.lagged:
                self.lagged = False
                while not self.queue.empty():
                    self.queue.get_nowait()
                await self._replay(max(0, self.last_id - LOOKBACK))
            ev = self._backlog.popleft() if self._backlog else await self.queue.get()
            if self._seen.add(ev.id):
                self.last_id = max(self.last_id, ev.id)
                return ev

    async def close(self) -> None:
        self._dispatcher._remove(self)


class Dispatcher:
    def __init__(
        self, url: str, maker: async_sessionmaker[AsyncSession], *, heartbeat_seconds: float = 5.0
    ) -> None:
        self.url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.maker = maker
        self.heartbeat_seconds = heartbeat_seconds
        self.subscribers: set[Subscription] = set()
        # the same subscribers indexed by what they follow, so an event is offered only to those
        # who may want it (each subscriber sits in one bucket: its attempt, else its user, else all)
        self._by_attempt: dict[uuid.UUID, set[Subscription]] = {}
        self._by_user: dict[uuid.UUID, set[Subscription]] = {}
        self._everything: set[Subscription] = set()
        self.connected = asyncio.Event()  # set while LISTENing (tests wait on it)
        self.connections = 0  # how many times it connected (1 + reconnects)
        self.backend_pid: int | None = None
        self.last_id: int | None = None  # highest id handed out; None before the first connect
        self._floor = 0  # events up to here were committed before this process first listened
        self._seen = _Seen()

    @contextlib.asynccontextmanager
    async def subscribe(
        self,
        *,
        after: int | None = None,
        user_id: uuid.UUID | None = None,
        attempt_id: uuid.UUID | None = None,
        kinds: Iterable[str] | None = None,
        maxsize: int = 1000,
    ) -> AsyncIterator[Subscription]:
        """Events for this process's subscriber: replayed after `after` (if given), then live."""
        sub = Subscription(
            self, after=after, user_id=user_id, attempt_id=attempt_id, kinds=kinds, maxsize=maxsize
        )
        self._add(sub)  # before any replay, so nothing falls between the two
        try:
            yield sub
        finally:
            await sub.close()

    def _bucket(self, sub: Subscription) -> set[Subscription]:
        if sub.attempt_id is not None:
            return self._by_attempt.setdefault(sub.attempt_id, set())
        if sub.user_id is not None:
            return self._by_user.setdefault(sub.user_id, set())
        return self._everything

    def _add(self, sub: Subscription) -> None:
        self.subscribers.add(sub)
        self._bucket(sub).add(sub)

    def _remove(self, sub: Subscription) -> None:
        self.subscribers.discard(sub)
        bucket = self._bucket(sub)
        bucket.discard(sub)
        if not bucket and bucket is not self._everything:  # no empty buckets left behind
            if sub.attempt_id is not None:
                self._by_attempt.pop(sub.attempt_id, None)
            elif sub.user_id is not None:
                self._by_user.pop(sub.user_id, None)

    def _deliver(self, ev: Event) -> None:
        if not self._seen.add(ev.id):
            return
        self.last_id = max(self.last_id or 0, ev.id)
        # only the buckets this event can match (offer() still applies every filter); offer()
        # never changes the buckets, so no copies
        for sub in self._everything:
            sub.offer(ev)
        if ev.attempt_id is not None:
            for sub in self._by_attempt.get(ev.attempt_id, ()):
                sub.offer(ev)
        for user_id in set(ev.user_ids) if len(ev.user_ids) > 1 else ev.user_ids:
            for sub in self._by_user.get(user_id, ()):
                sub.offer(ev)

    async def _fetch(
        self, conn: psycopg.AsyncConnection[Any], where: str, params: tuple[Any, ...]
    ) -> list[Event]:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(f"{_FETCH} WHERE {where} ORDER BY id", params)
        return [Event.from_mapping(r) for r in await cur.fetchall()]

    async def _on_notify(self, message: str) -> None:
        data = json.loads(message)
        if "kind" in data:
            self._deliver(Event.from_json(data))
            return
        # too large for a notification: read it, through the pool (the LISTEN connection is
        # busy waiting for notifications: a query on it would wait for itself)
        async with self.maker() as session:
            found = await session.execute(text(f"{_FETCH} WHERE id = :id"), {"id": int(data["id"])})
            for row in found:
                self._deliver(Event.from_row(row))

    async def _session(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = conn.info.backend_pid
            if self.last_id is None:
                cur = await conn.execute("SELECT coalesce(max(id), 0) FROM domain_event")
                row = await cur.fetchone()
                self.last_id = self._floor = int(row[0]) if row else 0
            else:  # what was committed while we were away (and a little before: late commits)
                for ev in await self._fetch(conn, "id > %s", (max(self._floor, self.last_id - LOOKBACK),)):
                    self._deliver(ev)
            self.connections += 1
            self.connected.set()
            while True:
                async for n in conn.notifies(timeout=self.heartbeat_seconds):
                    await self._on_notify(n.payload)
                await conn.execute("SELECT 1")  # heartbeat: a dead connection raises here

    async def run(self, *, retry_seconds: float = 1.0) -> None:
        """Listen forever (until cancelled), reconnecting after any failure."""
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("event listener disconnected; reconnecting", exc_info=True)
            finally:
                self.connected.clear()
            await asyncio.sleep(retry_seconds)


def for_app(state: Any) -> Dispatcher:
    """The app's dispatcher (created on first use from the app's engine and sessionmaker)."""
    found: Dispatcher | None = getattr(state, "events", None)
    if found is None:
        url = state.resources.engine.url.render_as_string(hide_password=False)
        found = state.events = Dispatcher(url, state.resources.sessionmaker)
    return found


async def run(app: Any) -> None:
    """Lifespan background job: this process's LISTEN connection."""
    await for_app(app.state).run()
