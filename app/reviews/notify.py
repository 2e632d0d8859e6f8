"""In-app notifications (and optional email through a console backend), written after the commit.

Domains do not write notifications: they emit events (app/events/outbox.py). The handlers below
run once per event after its transaction committed (app.events.outbox.handle claims the event):
the notification row commits with the event's "handled" mark, so it exists once, whichever
process handles it; the e-mail is at-least-once (sent again only if that commit then fails).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

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


async def feedback_changed(
    session: AsyncSession, kind: EventKind, user_id: uuid.UUID, *, attempt_id: uuid.UUID, format_title: str
) -> None:
    """Announce what happened to a candidate's feedback (`feedback_released`, `feedback_adjudicated`):
    the candidate is notified after the commit."""
    await emit(
        session,
        kind,
        {"attempt_id": str(attempt_id), "format_title": format_title},
        Audience(user_ids=(user_id,), attempt_id=attempt_id),
    )


# What each event tells its audience: (notification kind, message, url) from the event's payload.
MESSAGES: dict[EventKind, Callable[[dict[str, Any]], tuple[str, str, str]]] = {
    EventKind.feedback_released: lambda p: (
        "feedback_released",
        f"Mentor feedback on “{p['format_title']}” is ready.",
        f"/attempts/{p['attempt_id']}/feedback",
    ),
    EventKind.feedback_adjudicated: lambda p: (
        "feedback_adjudicated",
        f"The reviewers of “{p['format_title']}” disagreed; a third reviewer set the final scores.",
        f"/attempts/{p['attempt_id']}/feedback",
    ),
    EventKind.account_registered: lambda p: ("welcome", "Welcome to mlmock: your account is ready.", "/"),
    EventKind.registration_attempted: lambda p: (
        "registration_attempt",
        "Someone tried to create an account with your email address. If it was you, "
        "sign in with your password instead; if not, no action is needed.",
        "/account",
    ),
}


async def _notify_audience(session: AsyncSession, ev: Event) -> None:
    kind, message, url = MESSAGES[EventKind(ev.kind)](ev.payload)
    for user_id in ev.user_ids:
        await notify(session, user_id, kind=kind, message=message, url=url)


for _kind in MESSAGES:
    on(_kind)(_notify_audience)


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
