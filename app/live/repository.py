"""Queries of the live domain (routes and the service call these, never `session.execute`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.events import Event, EventKind
from app.events.models import DomainEvent
from app.live.models import LiveSession


async def get(session: AsyncSession, session_id: uuid.UUID) -> LiveSession | None:
    return (
        await session.execute(select(LiveSession).where(LiveSession.id == session_id))
    ).scalar_one_or_none()


async def of_booking(session: AsyncSession, booking_id: uuid.UUID) -> LiveSession | None:
    stmt = select(LiveSession).where(LiveSession.booking_id == booking_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def ensure(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID,
    mentor_id: uuid.UUID,
    candidate_id: uuid.UUID,
    now: datetime,
) -> LiveSession:
    """The booking's live session, created `scheduled` if it has none (idempotent, race-safe)."""
    await session.execute(
        insert(LiveSession)
        .values(
            id=uuid.uuid4(),
            booking_id=booking_id,
            mentor_id=mentor_id,
            candidate_id=candidate_id,
            state="scheduled",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[LiveSession.booking_id])
    )
    found = await of_booking(session, booking_id)
    assert found is not None
    return found


async def last_event_id(session: AsyncSession) -> int:
    """The highest event id now: a page rendered now streams from here (`?after=`)."""
    return int((await session.execute(select(func.coalesce(func.max(DomainEvent.id), 0)))).scalar_one())


async def of_attempt(session: AsyncSession, attempt_id: uuid.UUID) -> LiveSession | None:
    stmt = select(LiveSession).where(LiveSession.attempt_id == attempt_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def display_name(session: AsyncSession, user_id: uuid.UUID) -> str:
    return str((await session.execute(select(User.display_name).where(User.id == user_id))).scalar_one())


async def ended_event(session: AsyncSession, live: LiveSession) -> Event | None:
    """The session's `live.ended` event (None: it was cancelled, or never opened)."""
    stmt = (
        select(DomainEvent)
        .where(
            DomainEvent.kind == EventKind.live_ended.value,
            DomainEvent.attempt_id == live.attempt_id,
            DomainEvent.payload["session_id"].astext == str(live.id),
        )
        .order_by(DomainEvent.id.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        return None
    return Event(row.id, row.kind, dict(row.payload), tuple(row.user_ids), row.attempt_id, row.created_at)
