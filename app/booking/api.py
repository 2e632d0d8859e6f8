"""The booking JSON API (/api/v1): free slots, my bookings, book, cancel. Same rules as the pages:
a refusal by the database is a 409 (`reason: "taken"`), a cancel after the cut-off a 409 `cutoff`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from app.auth.dependencies import CurrentUser, signed_in
from app.booking import repository, service
from app.booking.schemas import BookingIn, BookingRead, SlotRead
from app.db import DbSession, SessionRoute
from app.kit import clock

api = APIRouter(route_class=SessionRoute, prefix="/api/v1", dependencies=[Depends(signed_in)])


@api.get("/slots")
async def free_slots(
    session: DbSession, user: CurrentUser, mentor: uuid.UUID | None = None, format: uuid.UUID | None = None
) -> list[SlotRead]:
    """Free slots starting from now, optionally of one mentor or one format (not your own)."""
    rows = await repository.free_slots(
        session, clock.now(), mentor_id=mentor, format_id=format, exclude_mentor=user.id
    )
    return [SlotRead.of(r) for r in rows]


@api.get("/bookings")
async def my_bookings(session: DbSession, user: CurrentUser) -> list[BookingRead]:
    """Your bookings (as a candidate) that have not ended, cancelled ones included."""
    return [BookingRead.of(r) for r in await repository.candidate_bookings(session, user.id, clock.now())]


@api.post("/slots/{slot_id}/bookings", status_code=201)
async def book(session: DbSession, user: CurrentUser, slot_id: uuid.UUID, body: BookingIn) -> BookingRead:
    booking = await service.book(session, user, slot_id, body.format_id)
    return BookingRead.of(await service.booking_of(session, user, booking.id))


@api.post("/bookings/{booking_id}/cancel")
async def cancel(session: DbSession, user: CurrentUser, booking_id: uuid.UUID) -> BookingRead:
    await service.cancel(session, user, booking_id)
    return BookingRead.of(await service.booking_of(session, user, booking_id))
