"""After-commit handlers of the live domain (app/events), once per event: a booked interview gets
its live session (`scheduled`), a cancelled one has it cancelled, an opened one tells the
candidate with an in-app notification, and a live attempt that is over (submitted, or finalised
at its deadline) ends its session (`live.ended`, reason "submitted" | "time_up")."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.events import Event, EventKind, on
from app.kit import clock
from app.live import lifecycle, repository, service
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


def _live_attempt_over(payload: Mapping[str, Any]) -> bool:
    return bool(payload.get("live")) and payload.get("state") != "in_progress"


@on(EventKind.attempt_state_changed, when=_live_attempt_over)
async def attempt_over(session: AsyncSession, ev: Event) -> None:
    """Decided: the interview is over when its attempt is: nothing is left to follow live (answers
    and follow-up answers are closed), so the mentor need not end it. Notes and the review go on."""
    live = await repository.of_attempt(session, uuid.UUID(ev.payload["attempt_id"]))
    if live is not None:
        reason = "submitted" if ev.payload.get("state") == "submitted" else "time_up"
        await service.end(session, live, reason=reason)
