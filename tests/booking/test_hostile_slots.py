"""Hostile dates on the availability form: a slot at the very end of the calendar (year 9999)
cannot have an end time, which answered 500 (OverflowError) — it is a 422 form with a message now,
as is any slot further ahead than a mentor can usefully publish."""

from __future__ import annotations

import pytest

from tests.booking.conftest import ids, slot_form

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("date", "at", "tz"),
    [
        ("9999-12-31", "23:00", "UTC"),  # its end (+60 min) is past the last representable date
        ("9999-12-31", "23:59", "Pacific/Kiritimati"),
        ("9999-12-31", "10:00", "Etc/GMT+12"),  # in UTC it starts in the year 10000
        ("3026-01-01", "10:00", "UTC"),  # representable, but no one books a slot a millennium ahead
    ],
)
async def test_a_slot_far_in_the_future_is_a_422_form(as_role, fmt, date: str, at: str, tz: str) -> None:
    mentor = await as_role("mentor")
    form = {**slot_form(fmt), "date": date, "time": at, "tz": tz}
    r = await mentor.post("/availability", data=form)
    assert r.status_code == 422, r.text
    assert "Pick a time within the next" in r.text
    assert ids((await mentor.get("/availability")).text, "/availability/") == []  # nothing kept


async def test_a_slot_within_the_horizon_is_published(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    r = await mentor.post("/availability", data=slot_form(fmt, days=300))
    assert r.status_code == 303, r.text
