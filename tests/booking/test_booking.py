"""Booking through HTTP on the test database: slots, overlap refused by the database, booking,
the .ics file parsed back, notifications for both sides, cancel before/after the cut-off."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.booking.conftest import hours_ahead, ids, make_format, slot_form, starts

pytestmark = pytest.mark.anyio


async def publish(mentor, fmt: uuid.UUID, **kw) -> str:  # type: ignore[no-untyped-def]
    before = set(ids((await mentor.get("/availability")).text, "/availability/"))
    r = await mentor.post("/availability", data=slot_form(fmt, **kw))
    assert r.status_code == 303, r.text
    [new] = set(ids((await mentor.get("/availability")).text, "/availability/")) - before
    return new


async def test_mentor_publishes_slot_shown_in_viewer_zone(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    r = await mentor.post("/availability", data=slot_form(fmt, at="09:30", tz="Europe/Berlin"))
    assert r.status_code == 303
    page = (await mentor.get("/availability?tz=Asia/Tokyo")).text
    want = starts(3, "09:30", "Europe/Berlin").astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert want.strftime("%H:%M") in page
    assert "Asia/Tokyo" in page
    # the choice is remembered in a cookie
    page = (await mentor.get("/availability")).text
    assert 'value="Asia/Tokyo" selected' in page


async def test_overlapping_slot_refused_with_a_409_message(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    await publish(mentor, fmt, at="10:00", minutes=60)
    r = await mentor.post("/availability", data=slot_form(fmt, at="10:30", minutes=60))
    assert r.status_code == 409
    assert "overlaps another of your slots" in r.text
    # touching, not overlapping: allowed
    r = await mentor.post("/availability", data=slot_form(fmt, at="11:00", minutes=30))
    assert r.status_code == 303
    # another mentor may use the same time
    other = await as_role("mentor")
    assert (await other.post("/availability", data=slot_form(fmt, at="10:30"))).status_code == 303


async def test_overlap_refused_by_the_database_itself(as_role, fmt, db) -> None:
    mentor = await as_role("mentor")
    await publish(mentor, fmt, at="10:00", minutes=60)
    async with db() as s:
        with pytest.raises(IntegrityError, match="availability_slot_no_overlap"):
            await s.execute(
                text(
                    "INSERT INTO availability_slot (id, mentor_id, starts_at, ends_at, format_ids, created_at) "
                    "VALUES (:id, :m, :s, :e, ARRAY[CAST(:f AS uuid)], now())"
                ),
                {
                    "id": uuid.uuid4(),
                    "m": mentor.user.id,
                    "s": starts(3, "10:45"),
                    "e": starts(3, "11:45"),
                    "f": str(fmt),
                },
            )


async def test_invalid_slot_is_a_422_form(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    r = await mentor.post("/availability", data=slot_form(fmt, days=-1))
    assert r.status_code == 422 and "future" in r.text
    r = await mentor.post("/availability", data={**slot_form(fmt), "format_ids": []})
    assert r.status_code == 422 and "published interview format" in r.text


async def test_book_ics_and_notifications_for_both(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    candidate = await as_role("candidate")
    slot = await publish(mentor, fmt, at="14:00", minutes=45)
    page = (await candidate.get("/book")).text
    assert f"/book/{slot}" in page
    r = await candidate.post(f"/book/{slot}", data={"format_id": str(fmt)})
    assert r.status_code == 303
    booking = r.headers["location"].rsplit("/", 1)[-1]
    # the slot is no longer free; it is in "my bookings" and on the mentor's page
    page = (await candidate.get("/book")).text
    assert f"/book/{slot}" not in page and f"/bookings/{booking}" in page
    assert f"/bookings/{booking}" in (await mentor.get("/availability")).text

    r = await candidate.get(f"/bookings/{booking}/calendar.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    [ev] = cal.walk("VEVENT")
    assert ev.decoded("dtstart") == starts(3, "14:00")
    assert ev.decoded("dtend") == starts(3, "14:00") + timedelta(minutes=45)
    assert "Live ML basics" in str(ev["summary"])
    assert str(ev["url"]) == f"https://testserver/bookings/{booking}"
    assert str(ev["uid"]) == f"booking-{booking}@mlmock"
    # the mentor gets the same file; nobody else does
    assert (await mentor.get(f"/bookings/{booking}/calendar.ics")).content == r.content
    stranger = await as_role("candidate")
    assert (await stranger.get(f"/bookings/{booking}/calendar.ics")).status_code == 404
    assert (await stranger.get(f"/bookings/{booking}")).status_code == 404

    for who in (candidate, mentor):
        notes = (await who.get("/notifications")).text
        assert f"/bookings/{booking}" in notes and "booked" in notes


async def test_same_slot_twice_and_own_slot_refused(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    slot = await publish(mentor, fmt)
    first, second = await as_role("candidate"), await as_role("candidate")
    assert (await first.post(f"/book/{slot}", data={"format_id": str(fmt)})).status_code == 303
    r = await second.post(f"/book/{slot}", data={"format_id": str(fmt)})
    assert r.status_code == 409 and "Someone has just booked this slot" in r.text
    r = await mentor.post(f"/book/{slot}", data={"format_id": str(fmt)})
    assert r.status_code in (409, 422)
    r = await second.post(f"/book/{uuid.uuid4()}", data={"format_id": str(fmt)})
    assert r.status_code == 404


async def test_format_must_be_one_of_the_slot(as_role, fmt, db) -> None:
    other = await make_format(db, "Other format")
    mentor = await as_role("mentor")
    slot = await publish(mentor, fmt)
    candidate = await as_role("candidate")
    r = await candidate.post(f"/book/{slot}", data={"format_id": str(other)})
    assert r.status_code == 422 and "Pick one of the slot" in r.text


async def test_cancel_before_and_after_cutoff(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    candidate = await as_role("candidate")
    early = await publish(mentor, fmt, at="08:00", days=3)
    soon = hours_ahead(11)  # the cut-off is 12 hours before the start
    late = await publish(mentor, fmt, when=soon)
    r = await candidate.post(f"/book/{early}", data={"format_id": str(fmt)})
    b1 = r.headers["location"].rsplit("/", 1)[-1]
    r = await candidate.post(f"/book/{late}", data={"format_id": str(fmt)})
    assert r.status_code == 303, r.text[r.text.find("error-box") :][:300]
    b2 = r.headers["location"].rsplit("/", 1)[-1]

    # before the cut-off: cancelled, both told, the slot is free again
    r = await candidate.post(f"/bookings/{b1}/cancel")
    assert r.status_code == 303
    assert ">cancelled<" in (await candidate.get(f"/bookings/{b1}")).text
    assert f"/book/{early}" in (await candidate.get("/book")).text
    assert "cancelled" in (await mentor.get("/notifications")).text
    r = await candidate.post(f"/bookings/{b1}/cancel")
    assert r.status_code == 409 and "already cancelled" in r.text

    # 11 hours before the start (cut-off 12 h): refused, and it stays booked
    r = await mentor.post(f"/bookings/{b2}/cancel")
    assert r.status_code == 409 and "Too late" in r.text and "12 hours" in r.text
    assert ">booked<" in (await candidate.get(f"/bookings/{b2}")).text


async def test_reschedule_moves_the_booking(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    candidate = await as_role("candidate")
    a = await publish(mentor, fmt, at="08:00")
    b = await publish(mentor, fmt, at="09:00")
    r = await candidate.post(f"/book/{a}", data={"format_id": str(fmt)})
    old = r.headers["location"].rsplit("/", 1)[-1]
    page = (await candidate.get(f"/bookings/{old}")).text
    assert f'value="{b}/{fmt}"' in page
    r = await candidate.post(f"/bookings/{old}/reschedule", data={"choice": f"{b}/{fmt}"})
    assert r.status_code == 303
    new = r.headers["location"].rsplit("/", 1)[-1]
    assert new != old
    assert ">cancelled<" in (await candidate.get(f"/bookings/{old}")).text
    page = (await candidate.get(f"/bookings/{new}")).text
    assert ">booked<" in page and (starts(3, "09:00").strftime("%H:%M")) in page
    assert f"/book/{a}" in (await candidate.get("/book")).text


async def test_remove_slot_only_when_free(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    free = await publish(mentor, fmt, at="08:00")
    taken = await publish(mentor, fmt, at="10:00")
    candidate = await as_role("candidate")
    assert (await candidate.post(f"/book/{taken}", data={"format_id": str(fmt)})).status_code == 303
    assert (await mentor.post(f"/availability/{free}/delete")).status_code == 303
    r = await mentor.post(f"/availability/{taken}/delete")
    assert r.status_code == 409
    page = (await mentor.get("/availability")).text
    assert free not in page and f"Booked by {candidate.user.display_name}" in page


async def test_json_api_book_list_cancel(as_role, fmt) -> None:
    mentor = await as_role("mentor")
    slot = await publish(mentor, fmt, at="16:00")
    candidate = await as_role("candidate")
    [s] = (await candidate.get("/api/v1/slots", params={"format": str(fmt)})).json()
    assert s["id"] == slot and s["formats"] == [{"id": str(fmt), "title": "Live ML basics"}]
    r = await candidate.post(f"/api/v1/slots/{slot}/bookings", json={"format_id": str(fmt)})
    assert r.status_code == 201, r.text
    booking = r.json()
    assert booking["status"] == "booked" and booking["ics_url"].endswith("/calendar.ics")
    other = await as_role("candidate")
    r = await other.post(f"/api/v1/slots/{slot}/bookings", json={"format_id": str(fmt)})
    assert r.status_code == 409 and r.json()["reason"] == "taken"
    assert [b["id"] for b in (await candidate.get("/api/v1/bookings")).json()] == [booking["id"]]
    r = await candidate.post(f"/api/v1/bookings/{booking['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
