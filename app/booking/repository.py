"""Queries of the booking domain (routes and the service call these, never `session.execute`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, any_, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.auth.models import User
from app.booking.models import AvailabilitySlot, Booking
from app.interviews.models import InterviewFormat


@dataclass(frozen=True)
class SlotRow:
    slot: AvailabilitySlot
    mentor_name: str
    formats: list[InterviewFormat]
    booking: Booking | None = None
    candidate_name: str | None = None


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    format_title: str
    mentor_name: str
    candidate_name: str


async def published_formats(session: AsyncSession) -> list[InterviewFormat]:
    stmt = (
        select(InterviewFormat).where(InterviewFormat.status == "published").order_by(InterviewFormat.title)
    )
    return list((await session.execute(stmt)).scalars())


async def formats_by_id(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, InterviewFormat]:
    if not ids:
        return {}
    stmt = select(InterviewFormat).where(InterviewFormat.id.in_(ids))
    return {f.id: f for f in (await session.execute(stmt)).scalars()}


async def mentors(session: AsyncSession) -> list[User]:
    stmt = (
        select(User).where(literal("mentor") == any_(User.roles), User.is_active).order_by(User.display_name)
    )
    return list((await session.execute(stmt)).scalars())


async def get_slot(
    session: AsyncSession, slot_id: uuid.UUID, *, lock: bool = False
) -> AvailabilitySlot | None:
    stmt = select(AvailabilitySlot).where(AvailabilitySlot.id == slot_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def _slots_with_booking() -> Select[AvailabilitySlot, str, Booking | None, str | None]:
    mentor = aliased(User)
    candidate = aliased(User)
    return (
        select(AvailabilitySlot, mentor.display_name, Booking, candidate.display_name)
        .join(mentor, mentor.id == AvailabilitySlot.mentor_id)
        .outerjoin(Booking, and_(Booking.slot_id == AvailabilitySlot.id, Booking.status == "booked"))
        .outerjoin(candidate, candidate.id == Booking.candidate_id)
        .order_by(AvailabilitySlot.starts_at)
    )


async def _slot_rows(
    session: AsyncSession, stmt: Select[AvailabilitySlot, str, Booking | None, str | None]
) -> list[SlotRow]:
    rows = (await session.execute(stmt)).all()
    fmts = await formats_by_id(session, {f for r in rows for f in r[0].format_ids})
    return [
        SlotRow(slot, mentor_name, [fmts[f] for f in slot.format_ids if f in fmts], booking, cand)
        for slot, mentor_name, booking, cand in rows
    ]


async def mentor_slots(session: AsyncSession, mentor_id: uuid.UUID, since: datetime) -> list[SlotRow]:
    """A mentor's slots ending after `since`, each with its live booking if any."""
    stmt = _slots_with_booking().where(
        AvailabilitySlot.mentor_id == mentor_id, AvailabilitySlot.ends_at > since
    )
    return await _slot_rows(session, stmt)


async def free_slots(
    session: AsyncSession,
    since: datetime,
    *,
    mentor_id: uuid.UUID | None = None,
    format_id: uuid.UUID | None = None,
    exclude_mentor: uuid.UUID | None = None,
) -> list[SlotRow]:
    """Slots starting after `since` that nobody has booked, optionally of one mentor / format."""
    stmt = _slots_with_booking().where(AvailabilitySlot.starts_at > since, Booking.id.is_(None))
    if mentor_id is not None:
        stmt = stmt.where(AvailabilitySlot.mentor_id == mentor_id)
    if format_id is not None:
        stmt = stmt.where(literal(format_id) == any_(AvailabilitySlot.format_ids))
    if exclude_mentor is not None:
        stmt = stmt.where(AvailabilitySlot.mentor_id != exclude_mentor)
    return await _slot_rows(session, stmt)


def _bookings() -> Select[Booking, str, str, str]:
    mentor = aliased(User)
    candidate = aliased(User)
    return (
        select(Booking, InterviewFormat.title, mentor.display_name, candidate.display_name)
        .join(InterviewFormat, InterviewFormat.id == Booking.format_id)
        .join(mentor, mentor.id == Booking.mentor_id)
        .join(candidate, candidate.id == Booking.candidate_id)
        .order_by(Booking.starts_at)
    )


async def candidate_bookings(
    session: AsyncSession, candidate_id: uuid.UUID, since: datetime
) -> list[BookingRow]:
    stmt = _bookings().where(Booking.candidate_id == candidate_id, Booking.ends_at > since)
    return [BookingRow(*r) for r in (await session.execute(stmt)).all()]


async def booking_row(session: AsyncSession, booking_id: uuid.UUID) -> BookingRow | None:
    row = (await session.execute(_bookings().where(Booking.id == booking_id))).first()
    return BookingRow(*row) if row else None


async def delete_slot(session: AsyncSession, slot: AvailabilitySlot) -> None:
    await session.delete(slot)
    await session.flush()
