"""The live session's server-sent-event stream (the format and kinds: app/live/__init__.py).

One stream = one subscription to this process's dispatcher (app/events/dispatcher.py), which
every process feeds from Postgres LISTEN/NOTIFY, so the stream works whichever process served the
save. Before the session is opened it follows the viewer's `live.*` events; once a `live.opened`
of this session arrives (or from the start, if it is already open) it follows every event of the
session's attempt. Each event is checked against the viewer before it is sent (`visible`), and
at every heartbeat the viewer's sign-in and the session's state are read again (every
heartbeat interval also while events keep coming, so a busy stream is re-checked too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from app.events import Event, EventKind
from app.events.dispatcher import Dispatcher

LIVE_KINDS = (EventKind.live_opened.value, EventKind.live_ended.value)


@dataclass
class Watch:
    """What a stream knows about its session (the attempt id arrives with `live.opened`)."""

    session_id: uuid.UUID
    viewer_id: uuid.UUID
    mentor_id: uuid.UUID
    candidate_id: uuid.UUID
    attempt_id: uuid.UUID | None


def visible(watch: Watch, ev: Event) -> bool:
    """May this viewer see this event on this session's stream? (The audience, checked per event.)"""
    if watch.viewer_id not in (watch.mentor_id, watch.candidate_id):
        return False
    if ev.kind in LIVE_KINDS and ev.payload.get("session_id") == str(watch.session_id):
        return True
    return watch.attempt_id is not None and ev.attempt_id == watch.attempt_id


def sse(ev: Event) -> bytes:
    data = {
        "id": ev.id,
        "kind": ev.kind,
        "attempt_id": str(ev.attempt_id) if ev.attempt_id else None,
        "created_at": ev.created_at.isoformat() if ev.created_at else None,
        "payload": ev.payload,
    }
    body = json.dumps(data, separators=(",", ":"), default=str)
    return f"id: {ev.id}\nevent: {ev.kind}\ndata: {body}\n\n".encode()


PING = b": ping\n\n"
RETRY = b"retry: 2000\n\n"  # reconnect after 2 s (the browser's default is about 3)


async def _next_or_timeout(
    pending: asyncio.Future[Event] | None, events: AsyncIterator[Event], seconds: float
) -> tuple[asyncio.Future[Event], Event | None]:
    """The next event, or None after `seconds` (the read keeps going: it is never cancelled
    mid-replay, so a heartbeat cannot lose events)."""
    task = pending or asyncio.ensure_future(anext(events))
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return task, (task.result() if done else None)


async def stream(
    dispatcher: Dispatcher,
    watch: Watch,
    *,
    after: int | None,
    heartbeat: float,
    still_allowed: Callable[[], Awaitable[bool | Event]],
) -> AsyncIterator[bytes]:
    """The SSE body: events of `watch`'s session after `after`, heartbeats; ends with the session
    (`live.ended`, also when `still_allowed()` finds it over before the event arrived) or when
    `still_allowed()` says no (signed out, no longer a participant)."""
    yield RETRY
    clock = asyncio.get_running_loop().time
    checked = clock()  # the route checked access when the stream opened
    while True:
        if watch.attempt_id is None:  # not yet open: the viewer's live events only
            scope = dispatcher.subscribe(after=after, user_id=watch.viewer_id, kinds=LIVE_KINDS)
        else:
            scope = dispatcher.subscribe(after=after, attempt_id=watch.attempt_id)
        reattach = False
        async with scope as events:
            pending: asyncio.Future[Event] | None = None
            try:
                while not reattach:
                    pending, ev = await _next_or_timeout(pending, events, heartbeat)
                    if ev is None or clock() - checked >= heartbeat:
                        # every heartbeat interval, also while events never pause
                        allowed = await still_allowed()
                        if isinstance(allowed, Event):  # over: what came before its end, the end, close
                            if ev is None:  # an idle check: events up to the end may be on their way
                                pending, ev = await _next_or_timeout(pending, events, heartbeat)
                            while ev is not None and ev.id < allowed.id:
                                pending = None
                                if visible(watch, ev):
                                    yield sse(ev)
                                # the events up to the end are committed: they come at once
                                pending, ev = await _next_or_timeout(pending, events, heartbeat)
                            if visible(watch, allowed):
                                yield sse(allowed)
                            return
                        if not allowed:
                            return
                        checked = clock()
                    if ev is None:
                        yield PING
                        continue
                    pending = None
                    after = ev.id
                    if not visible(watch, ev):
                        continue
                    yield sse(ev)
                    if ev.kind == EventKind.live_ended.value:
                        return
                    if ev.kind == EventKind.live_opened.value and watch.attempt_id is None:
                        watch.attempt_id = uuid.UUID(ev.payload["attempt_id"])
                        reattach = True  # follow the attempt from this event on
            finally:
                if pending is not None and not pending.done():
                    pending.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await pending


class Slots:
    """Open streams per user in this process (a cap: one user held 835 at once in a red-team run
    and slowed everyone). Per process, like the other in-process guards: N processes allow N×.
    A slot is taken before the response starts and given back when its stream ends, however it
    ends (`release` is idempotent: the body's `finally` and the response's background both call it)."""

    def __init__(self) -> None:
        self.open: dict[uuid.UUID, int] = {}

    def take(self, user_id: uuid.UUID, cap: int) -> Callable[[], None] | None:
        """A release function, or None when the user already has `cap` streams open."""
        if self.open.get(user_id, 0) >= cap:
            return None
        self.open[user_id] = self.open.get(user_id, 0) + 1
        done = False

        def release() -> None:
            nonlocal done
            if done:
                return
            done = True
            left = self.open.get(user_id, 1) - 1
            if left > 0:
                self.open[user_id] = left
            else:
                self.open.pop(user_id, None)

        return release


def slots_of(state: object) -> Slots:
    """The process's (app's) stream slots."""
    slots = getattr(state, "live_stream_slots", None)
    if slots is None:
        slots = Slots()
        setattr(state, "live_stream_slots", slots)  # noqa: B010
    return slots


async def held(body: AsyncIterator[bytes], release: Callable[[], None]) -> AsyncIterator[bytes]:
    """`body`, giving its slot back when it ends (closed, cancelled or failed)."""
    try:
        async for chunk in body:
            yield chunk
    finally:
        release()
