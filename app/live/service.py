"""Opening and ending a live session.

Opening (the mentor, within `open_window` of the booked slot) starts the candidate's timed attempt
through the interviews domain's own start path (`interviews.service.start_attempt`, with
`live=True`: same formats, draw, deadline from the candidate's time factor, autosave protocol),
moves the session `scheduled → open` and emits `live.opened` in the same transaction; the
candidate is told after the commit (app/live/notify.py). A second open (a double click, a second
tab) gets 409 and starts nothing: the transition is one conditional UPDATE and the attempt is
inserted in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.booking import repository as booking_repository
from app.booking.models import Booking
from app.config import get_settings
from app.errors import Conflict, NotFound
from app.events import Audience, EventKind, emit
from app.interviews import repository as interview_repository
from app.interviews import service as interviews
from app.kit import clock
from app.live import lifecycle, repository
from app.live.lifecycle import LiveState
from app.live.models import LiveSession


class NotYet(Conflict):
    reason = "not_yet"


class TooLate(Conflict):
    reason = "over"


def open_window(b: Booking) -> tuple[datetime, datetime]:
    """When the mentor may open a booked session: from `live_open_early_minutes` (default 10)
    before the booked start until the booked end. (The attempt then runs for the format's time
    limit, which may go past the slot's end: the deadline is the format's, as for any attempt.)"""
    return b.starts_at - timedelta(minutes=get_settings().live_open_early_minutes), b.ends_at


async def _booked_session(
    session: AsyncSession, user: User, booking_id: uuid.UUID
) -> tuple[Booking, LiveSession]:
    row = await booking_repository.booking_row(session, booking_id)
    if row is None or user.id not in (row.booking.candidate_id, row.booking.mentor_id):
        raise NotFound("No such booking.")
    b = row.booking
    live = await repository.ensure(
        session, booking_id=b.id, mentor_id=b.mentor_id, candidate_id=b.candidate_id, now=clock.now()
    )
    return b, live


async def session_of_booking(
    session: AsyncSession, user: User, booking_id: uuid.UUID
) -> tuple[Booking, LiveSession]:
    """The booking and its live session, for its mentor or candidate (404 for anyone else)."""
    return await _booked_session(session, user, booking_id)


async def open_session(session: AsyncSession, mentor: User, booking_id: uuid.UUID) -> LiveSession:
    """The mentor opens the session: the candidate's attempt starts now."""
    b, live = await _booked_session(session, mentor, booking_id)
    if b.mentor_id != mentor.id:
        raise NotFound("No such booking.")  # the candidate cannot open it (nor learn more)
    if b.status != "booked":
        raise Conflict("This booking was cancelled.", reason="cancelled")
    if live.state != LiveState.scheduled:
        raise Conflict("This live session has already been opened.", reason="opened")
    start, end = open_window(b)
    now = clock.now()
    if now < start:
        minutes = get_settings().live_open_early_minutes
        raise NotYet(f"Too early: the session can be opened from {minutes} minutes before its start.")
    if now >= end:
        raise TooLate("Too late: the booked time is over.")
    candidate = await session.get(User, b.candidate_id)
    if candidate is None or not candidate.is_active:
        raise Conflict("The candidate's account is not active.", reason="inactive")
    if await interview_repository.open_attempt(session, user_id=candidate.id, format_id=b.format_id):
        raise Conflict(
            "The candidate has an unfinished attempt of this format: it must be submitted first.",
            reason="busy",
        )
    attempt = await interviews.start_attempt(session, candidate, b.format_id, live=True)
    if not attempt.live:  # the candidate started this format themselves a moment ago
        raise Conflict("The candidate has just started an attempt of this format.", reason="busy")
    if not await lifecycle.apply(session, "open", live.id, {"attempt_id": attempt.id, "opened_at": now}):
        raise Conflict("This live session has already been opened.", reason="opened")
    payload = {
        "session_id": str(live.id),
        "booking_id": str(b.id),
        "attempt_id": str(attempt.id),
        "opened_at": now.isoformat(),
        "attempt_url": f"/attempts/{attempt.id}",
        "live_url": f"/live/{live.id}",
    }
    await emit(
        session,
        EventKind.live_opened,
        payload,
        Audience(user_ids=(b.candidate_id, b.mentor_id), attempt_id=attempt.id),
    )
    await session.refresh(live)
    return live


async def end_session(session: AsyncSession, mentor: User, session_id: uuid.UUID) -> LiveSession:
    """The mentor ends the session (the candidate's attempt runs on to its own deadline or submit)."""
    live = await repository.get(session, session_id)
    if live is None or live.mentor_id != mentor.id:
        raise NotFound("No such live session.")
    if not await end(session, live, reason="mentor"):
        raise Conflict("This live session is not open.", reason="not_open")
    await session.refresh(live)
    return live


# why a session ended (`live.ended`'s `reason`): the mentor ended it, or its attempt is over
END_REASONS = {"mentor", "submitted", "time_up"}


async def end(session: AsyncSession, live: LiveSession, *, reason: str) -> bool:
    """`open → ended` and its `live.ended` event, in the caller's transaction; False if it was not open."""
    now = clock.now()
    if not await lifecycle.apply(session, "end", live.id, {"ended_at": now}):
        return False
    payload = {
        "session_id": str(live.id),
        "booking_id": str(live.booking_id),
        "attempt_id": str(live.attempt_id) if live.attempt_id else None,
        "ended_at": now.isoformat(),
        "reason": reason,
    }
    audience = Audience(user_ids=(live.candidate_id, live.mentor_id), attempt_id=live.attempt_id)
    await emit(session, EventKind.live_ended, payload, audience)
    return True
