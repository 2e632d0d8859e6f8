"""The stream's end when a heartbeat check finds the session over while an event is in hand.

A stream re-checks the session every heartbeat interval, also just after an event arrived (a busy
stream has no idle heartbeat). When that check finds the session over, the event in hand and any
event before the session's `live.ended` must still be sent, then the end. Driven through the
stream body with a scripted subscription: the race (an event arriving in the same instant the
session's end commits) cannot be timed through two real processes."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest

from app.events import Event
from app.live.stream import Watch, stream

pytestmark = pytest.mark.anyio


class Scripted:
    """A dispatcher whose subscription hands out `events` (once `gate` is set, if given: events
    whose notification is still on its way), then nothing (it waits forever)."""

    def __init__(self, events: list[Event], gate: asyncio.Event | None = None) -> None:
        self.events = events
        self.gate = gate

    @contextlib.asynccontextmanager
    async def subscribe(self, **_: object) -> AsyncIterator[AsyncIterator[Event]]:
        async def feed() -> AsyncIterator[Event]:
            if self.gate is not None:
                await self.gate.wait()
            for ev in self.events:
                yield ev
            await asyncio.Event().wait()
            yield self.events[-1]  # never reached

        yield feed()


async def test_the_event_in_hand_is_sent_before_the_end() -> None:
    session_id, attempt_id = uuid.uuid4(), uuid.uuid4()
    mentor, candidate = uuid.uuid4(), uuid.uuid4()
    watch = Watch(session_id, mentor, mentor, candidate, attempt_id)
    submitted = Event(41, "attempt.state_changed", {"state": "submitted"}, (candidate,), attempt_id, None)
    saved = Event(42, "answer.saved", {"revision": 3}, (candidate,), attempt_id, None)
    ended = Event(
        43, "live.ended", {"session_id": str(session_id), "reason": "submitted"}, (), attempt_id, None
    )

    async def over() -> Event:  # the check: the session has ended, this is its end event
        return ended

    body = stream(Scripted([submitted, saved]), watch, after=40, heartbeat=0.0, still_allowed=over)  # type: ignore[arg-type]
    sent = [chunk async for chunk in body]
    ids = [line for chunk in sent for line in chunk.decode().splitlines() if line.startswith("id: ")]
    assert ids == ["id: 41", "id: 42", "id: 43"]


async def test_an_event_still_on_its_way_when_an_idle_check_finds_the_end_is_sent() -> None:
    session_id, attempt_id = uuid.uuid4(), uuid.uuid4()
    mentor, candidate = uuid.uuid4(), uuid.uuid4()
    watch = Watch(session_id, mentor, mentor, candidate, attempt_id)
    submitted = Event(41, "attempt.state_changed", {"state": "submitted"}, (candidate,), attempt_id, None)
    ended = Event(
        42, "live.ended", {"session_id": str(session_id), "reason": "submitted"}, (), attempt_id, None
    )
    arrived = asyncio.Event()

    async def over() -> Event:  # an idle heartbeat's check: over; the events arrive right after
        arrived.set()
        return ended

    body = stream(Scripted([submitted, ended], arrived), watch, after=40, heartbeat=0.05, still_allowed=over)  # type: ignore[arg-type]
    sent = [chunk async for chunk in body]
    ids = [line for chunk in sent for line in chunk.decode().splitlines() if line.startswith("id: ")]
    assert ids == ["id: 41", "id: 42"]
