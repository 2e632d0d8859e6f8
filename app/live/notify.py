"""After-commit handlers of the live domain (app/events), once per event: a booked interview gets
its live session (`scheduled`), a cancelled one has it cancelled, and an opened one tells the
candidate with an in-app notification."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.events import Event, EventKind, on
from app.kit import clock
from app.live import lifecycle, repository
from app.reviews.notify import notify


@on(EventKind.booking_booked)
async def booked(session: AsyncSession, ev: Event) -> None:
    candidate_id, mentor_id = ev.user_ids  # the booking's audience is (candidate, mentor)
    await repository.ensure(
        session,
        booking_id=uuid.UUID(ev.payload["booking_id"]),
        mentor_id=mentor_id,
        candidate_id=candidate_id,
        now=clock.now(),
    )


@on(EventKind.booking_cancelled)
async def cancelled(session: AsyncSession, ev: Event) -> None:
    live = await repository.of_booking(session, uuid.UUID(ev.payload["booking_id"]))
    if live is not None:
        await lifecycle.apply(session, "cancel", live.id, {"ended_at": clock.now()})


@on(EventKind.live_opened)
async def opened(session: AsyncSession, ev: Event) -> None:
    """The candidate is told (the booking page and the stream tell them too)."""
    candidate_id, mentor_id = ev.user_ids
    mentor = await repository.display_name(session, mentor_id)
    await notify(
        session,
        candidate_id,
        kind="live_opened",
        message=f"{mentor} opened your live mock interview: join it now.",
        url=ev.payload["attempt_url"],
    )
