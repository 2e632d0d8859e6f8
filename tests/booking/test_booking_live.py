"""Booking with real commits: candidates racing for one slot from two app "processes" get exactly
one booking (the database's unique index / exclusion constraint decides, not Python), and the
after-commit notifications reach both sides once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from app.booking.models import Booking
from app.reviews.models import Notification
from tests.booking.conftest import ids, make_format, slot_form
from tests.live import LiveDb

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # two app "processes" racing on a committed database


@pytest.fixture
async def live(make_database) -> AsyncIterator[LiveDb]:  # type: ignore[no-untyped-def]
    db = LiveDb(make_database("mlmock_booking"), app_pool_size=4)
    yield db
    await db.close()


async def test_racing_candidates_get_exactly_one_booking(live: LiveDb) -> None:
    fmt = await make_format(live.maker)
    mentor_user, _ = await live.users.create(roles=["candidate", "mentor"])
    racers = [(await live.users.create(roles=["candidate"]))[0] for _ in range(4)]
    apps = [live.app(), live.app()]
    mentor = await live.client(apps[0], mentor_user.email)
    r = await mentor.post("/availability", data=slot_form(fmt))
    assert r.status_code == 303
    [slot] = ids((await mentor.get("/availability")).text, "/availability/")
    clients = [await live.client(apps[i % 2], u.email) for i, u in enumerate(racers)]

    answers = await asyncio.gather(*(c.post(f"/book/{slot}", data={"format_id": str(fmt)}) for c in clients))

    codes = sorted(a.status_code for a in answers)
    assert codes == [303, 409, 409, 409], codes
    assert all("Someone has just booked this slot" in a.text for a in answers if a.status_code == 409)
    async with live.maker() as s:
        booked = (await s.execute(select(Booking).where(Booking.status == "booked"))).scalars().all()
        assert len(booked) == 1
        winner = booked[0]
        notes = (
            await s.execute(
                select(Notification.user_id, func.count())
                .where(Notification.kind == "booking_booked")
                .group_by(Notification.user_id)
            )
        ).all()
    # one notification each for the winner and the mentor, none for the losers
    assert dict(notes) == {winner.candidate_id: 1, mentor_user.id: 1}
    for c in clients:
        await c.aclose()
    await mentor.aclose()
