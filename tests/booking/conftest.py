"""Booking fixtures: a published format, dates in the future, the slot form as a mentor fills it."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.interviews.models import InterviewFormat
from app.kit import clock


async def make_format(maker: async_sessionmaker[AsyncSession], title: str = "Live ML basics") -> uuid.UUID:
    async with maker() as s:
        f = InterviewFormat(title=title, slots=[], time_limit_seconds=1800, status="published")
        s.add(f)
        await s.commit()
        return f.id


@pytest.fixture
async def fmt(db: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    return await make_format(db)


def day(days: int = 3) -> str:
    return (clock.now() + timedelta(days=days)).astimezone(UTC).date().isoformat()


def slot_form(
    fmt: uuid.UUID,
    *,
    at: str = "10:00",
    minutes: int = 60,
    days: int = 3,
    tz: str = "UTC",
    when: datetime | None = None,
) -> dict[str, object]:
    """The form as a mentor fills it; `when` (UTC) overrides `days` + `at`."""
    date, at = (when.date().isoformat(), when.strftime("%H:%M")) if when else (day(days), at)
    return {"date": date, "time": at, "minutes": str(minutes), "tz": tz, "format_ids": [str(fmt)]}


def hours_ahead(hours: float) -> datetime:
    """A whole minute `hours` from now, in UTC."""
    return (clock.now() + timedelta(hours=hours)).astimezone(UTC).replace(second=0, microsecond=0)


def starts(days: int, at: str, tz: str = "UTC") -> datetime:
    from zoneinfo import ZoneInfo

    h, m = map(int, at.split(":"))
    d = (clock.now() + timedelta(days=days)).astimezone(UTC).date()
    return datetime(d.year, d.month, d.day, h, m, tzinfo=ZoneInfo(tz))


def ids(html: str, prefix: str) -> list[str]:
    """Ids in links/forms of a page: `prefix` is e.g. "/book/" or "/bookings/"."""
    return list(dict.fromkeys(re.findall(re.escape(prefix) + r"([0-9a-f-]{36})", html)))
