"""The dispatcher offers each event only to the subscribers whose bucket (attempt, user, or all)
it can match: the outcome must be exactly "every subscriber whose filters want it", as when it
offered every event to every subscriber."""

from __future__ import annotations

import contextlib
import random
import uuid
from typing import Any

import pytest

from app.events.dispatcher import Dispatcher, Subscription
from app.events.outbox import Event

pytestmark = pytest.mark.anyio


def _drain(sub: Subscription) -> list[int]:
    out = []
    while not sub.queue.empty():
        out.append(sub.queue.get_nowait().id)
    return out


async def test_each_event_reaches_exactly_the_subscribers_that_want_it() -> None:
    rng = random.Random(20)
    users = [uuid.uuid4() for _ in range(4)]
    attempts = [uuid.uuid4() for _ in range(4)]
    d = Dispatcher("postgresql://unused", maker=None)  # type: ignore[arg-type]
    filters: list[dict[str, Any]] = [
        {"user_id": u, "attempt_id": a, "kinds": k}
        for u in (None, *users[:2])
        for a in (None, *attempts[:2])
        for k in (None, ("a.b",))
    ]
    async with contextlib.AsyncExitStack() as stack:
        subs = [await stack.enter_async_context(d.subscribe(**f)) for f in filters]
        events = [
            Event(
                id=n,
                kind=rng.choice(["a.b", "c.d"]),
                payload={},
                user_ids=tuple(rng.sample(users, rng.randint(0, 3))),
                attempt_id=rng.choice([None, *attempts]),
            )
            for n in range(1, 400)
        ]
        for ev in events:
            d._deliver(ev)
        for sub in subs:
            assert _drain(sub) == [ev.id for ev in events if sub.wants(ev)]
        assert len(d.subscribers) == len(filters)
    # closing every subscription leaves nothing behind
    assert not d.subscribers and not d._by_attempt and not d._by_user and not d._everything
