"""In-app notifications (and optional email through a console backend)."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.config import get_settings
from app.kit import clock
from app.reviews.models import Notification

log = logging.getLogger("mlmock.email")


async def notify(session: AsyncSession, user_id: uuid.UUID, *, kind: str, message: str, url: str) -> None:
    session.add(
        Notification(user_id=user_id, kind=kind, message=message[:300], url=url, created_at=clock.now())
    )
    await session.flush()
    settings = get_settings()
    if settings.notify_email and settings.email_backend == "console":
        user = await session.get(User, user_id)
        if user is not None:
            # the console backend: a real mail backend would send this after the commit
            log.info("email", extra={"to": user.email, "subject": message, "url": url})


async def feedback_released(
    session: AsyncSession, user_id: uuid.UUID, *, attempt_id: uuid.UUID, format_title: str
) -> None:
    await notify(
        session,
        user_id,
        kind="feedback_released",
        message=f"Mentor feedback on “{format_title}” is ready.",
        url=f"/attempts/{attempt_id}/feedback",
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
