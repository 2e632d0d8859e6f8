"""Publishing availability, booking, cancelling and moving a live mock interview.

The rules that must hold under concurrency are the database's (app/booking/models.py): this
module inserts inside a savepoint and turns the constraint that refused the row into a 409 whose
message says which rule it was. Cancelling is one conditional UPDATE (booked and before the
cut-off), so a racing second cancel gets no row back.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.booking import repository
from app.booking.models import AvailabilitySlot, Booking
from app.config import get_settings
from app.errors import Conflict, Invalid, NotFound
from app.events import Audience, EventKind, emit
from app.kit import clock

MIN_MINUTES, MAX_MINUTES = 15, 240
# How far ahead a slot may start. Also keeps its end representable: a slot on 9999-12-31 has no
# end time (datetime overflows), which answered 500.
MAX_DAYS_AHEAD = 366

REFUSED = {
    "availability_slot_no_overlap": "This slot overlaps another of your slots.",
    "uq_booking_slot_live": "Someone has just booked this slot. Please pick another one.",
    # a mentor's slots never overlap, so the mentor is busy only through this very slot
    "booking_mentor_free": "Someone has just booked this slot. Please pick another one.",
    "booking_candidate_free": "You already have a mock interview booked at that time.",
}


class TooLate(Conflict):
    reason = "cutoff"


def cutoff() -> timedelta:
    return timedelta(hours=get_settings().booking_cutoff_hours)


async def _insert(session: AsyncSession, row: AvailabilitySlot | Booking) -> None:
    """Insert in a savepoint; the constraint that refuses the row becomes a 409 saying which rule."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or ""
        raise Conflict(REFUSED.get(name, "This conflicts with another booking."), reason="taken") from None


async def add_slot(
    session: AsyncSession, mentor: User, starts_at: datetime, minutes: int, format_ids: list[uuid.UUID]
) -> AvailabilitySlot:
    errors: dict[str, str] = {}
    if starts_at <= clock.now():
        errors["date"] = "Pick a time in the future."
    elif starts_at > clock.now() + timedelta(days=MAX_DAYS_AHEAD):
        errors["date"] = f"Pick a time within the next {MAX_DAYS_AHEAD} days."
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["minutes"] = f"A slot lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes."
    published = {f.id for f in await repository.published_formats(session)}
    if not format_ids or not set(format_ids) <= published:
        errors["format_ids"] = "Pick at least one published interview format."
    if errors:
        raise Invalid("Please correct the slot.", fields=errors)
    slot = AvailabilitySlot(
        mentor_id=mentor.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        format_ids=list(dict.fromkeys(format_ids)),
        created_at=clock.now(),
    )
    await _insert(session, slot)
    return slot


async def remove_slot(session: AsyncSession, mentor: User, slot_id: uuid.UUID) -> None:
    slot = await repository.get_slot(session, slot_id, lock=True)
    if slot is None or slot.mentor_id != mentor.id:
        raise NotFound("No such slot.")
    rows = await repository.mentor_slots(session, mentor.id, slot.starts_at - timedelta(days=1))
    if any(r.slot.id == slot.id and r.booking is not None for r in rows):
        raise Conflict("This slot is booked: the booking must be cancelled first.", reason="booked")
    await repository.delete_slot(session, slot)


async def book(
    session: AsyncSession, candidate: User, slot_id: uuid.UUID, format_id: uuid.UUID | None
) -> Booking:
    slot = await repository.get_slot(session, slot_id)
    if slot is None:
        raise NotFound("No such slot.")
    if slot.starts_at <= clock.now():
        raise Conflict("This slot has already started.", reason="past")
    if slot.mentor_id == candidate.id:
        raise Invalid("You cannot book your own slot.", fields={"slot_id": "This is your own slot."})
    if format_id not in slot.format_ids:
        raise Invalid(
            "Pick one of the slot's formats.", fields={"format_id": "Pick one of the slot's formats."}
        )
    booking = Booking(
        slot_id=slot.id,
        candidate_id=candidate.id,
        mentor_id=slot.mentor_id,
        format_id=format_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status="booked",
        created_at=clock.now(),
    )
    await _insert(session, booking)
    await _announce(session, EventKind.booking_booked, booking.id, by=candidate.id)
    return booking


async def cancel(session: AsyncSession, user: User, booking_id: uuid.UUID) -> None:
    """The candidate or the mentor cancels, until the cut-off before the start."""
    row = await booking_of(session, user, booking_id)
    limit = clock.now() + cutoff()
    done = await session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status == "booked", Booking.starts_at > limit)
        .values(status="cancelled", cancelled_at=clock.now())
        .returning(Booking.id)
        .execution_options(synchronize_session=False)
    )
    if done.first() is None:
        if row.booking.status != "booked":
            raise Conflict("This booking is already cancelled.", reason="cancelled")
        hours = f"{get_settings().booking_cutoff_hours:g}"
        raise TooLate(f"Too late: a booking can be cancelled or moved up to {hours} hours before it starts.")
    await session.refresh(row.booking)
    await _announce(session, EventKind.booking_cancelled, booking_id, by=user.id)


async def reschedule(
    session: AsyncSession,
    candidate: User,
    booking_id: uuid.UUID,
    slot_id: uuid.UUID,
    format_id: uuid.UUID | None,
) -> Booking:
    """Move a booking to another free slot: cancel and book in one transaction (both or neither)."""
    row = await booking_of(session, candidate, booking_id)
    if row.booking.candidate_id != candidate.id:
        raise NotFound("No such booking.")
    await cancel(session, candidate, booking_id)
    return await book(session, candidate, slot_id, format_id)


async def booking_of(session: AsyncSession, user: User, booking_id: uuid.UUID) -> repository.BookingRow:
    """The booking if `user` is its candidate or its mentor; otherwise it does not exist for them."""
    row = await repository.booking_row(session, booking_id)
    if row is None or user.id not in (row.booking.candidate_id, row.booking.mentor_id):
        raise NotFound("No such booking.")
    return row


async def _announce(session: AsyncSession, kind: EventKind, booking_id: uuid.UUID, *, by: uuid.UUID) -> None:
    row = await repository.booking_row(session, booking_id)
    assert row is not None
    b = row.booking
    payload = {
        "booking_id": str(b.id),
        "starts_at": b.starts_at.isoformat(),
        "format_title": row.format_title,
        "mentor_name": row.mentor_name,
        "candidate_name": row.candidate_name,
        "by": str(by),
    }
    await emit(session, kind, payload, Audience(user_ids=(b.candidate_id, b.mentor_id)))
