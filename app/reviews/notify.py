"""In-app notifications (and optional email through a console backend), written after the commit.

Domains do not write notifications: they emit events (app/events/outbox.py). The handlers below
run once per event after its transaction committed (app.events.outbox.handle claims the event):
the notification row commits with the event's "handled" mark, so it exists once, whichever
process handles it; the e-mail is at-least-once (sent again only if that commit then fails).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.config import get_settings
from app.events import Audience, Event, EventKind, emit, on
from app.kit import clock
from app.reviews.models import Notification

log = logging.getLogger("mlmock.email")


async def notify(session: AsyncSession, user_id: uuid.UUID, *, kind: str, message: str, url: str) -> None:
    """Write one notification (and e-mail it when enabled). Only event handlers call this."""
    session.add(
        Notification(user_id=user_id, kind=kind, message=message[:300], url=url, created_at=clock.now())
    )
    await session.flush()
    settings = get_settings()
    if settings.notify_email and settings.email_backend == "console":
        user = await session.get(User, user_id)
        if user is not None:
            log.info("email", extra={"to": user.email, "subject": message, "url": url})


async def feedback_released(
    session: AsyncSession, user_id: uuid.UUID, *, attempt_id: uuid.UUID, format_title: str
) -> None:
    """Announce released feedback (the candidate is notified after the commit)."""
    await emit(
        session,
        EventKind.feedback_released,
        {"attempt_id": str(attempt_id), "format_title": format_title},
        Audience(user_ids=(user_id,), attempt_id=attempt_id),
    )


@on(EventKind.feedback_released)
async def _on_feedback_released(session: AsyncSession, ev: Event) -> None:
    for user_id in ev.user_ids:
        await notify(
            session,
            user_id,
            kind="feedback_released",
            message=f"Mentor feedback on “{ev.payload['format_title']}” is ready.",
            url=f"/attempts/{ev.payload['attempt_id']}/feedback",
        )


@on(EventKind.account_registered)
async def _on_registered(session: AsyncSession, ev: Event) -> None:
    for user_id in ev.user_ids:
        await notify(
            session, user_id, kind="welcome", message="Welcome to mlmock: your account is ready.", url="/"
        )


@on(EventKind.registration_attempted)
async def _on_registration_attempted(session: AsyncSession, ev: Event) -> None:
    for user_id in ev.user_ids:
        await notify(
            session,
            user_id,
            kind="registration_attempt",
            message="Someone tried to create an account with your email address. If it was you, "
            "sign in with your password instead; if not, no action is needed.",
            url="/account",
        )


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return int((await session.execute(stmt)).scalar_one())


async def recent(session: AsyncSession, user_id: uuid.UUID, *, limit: int = 50) -> list[Notification]:
    stmt = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )


async def mark_read(session: AsyncSession, user_id: uuid.UUID, url: str) -> None:
    """Opening what a notification points to marks it read."""
    await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.url == url, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )
