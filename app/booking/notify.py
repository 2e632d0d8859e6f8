"""In-app notifications for bookings, written after the commit (app/events), once per event."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.events import Event, EventKind, on
from app.reviews.notify import notify


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@on(EventKind.booking_booked)
@on(EventKind.booking_cancelled)
async def booking_changed(session: AsyncSession, ev: Event) -> None:
    p = ev.payload
    booked = ev.kind == EventKind.booking_booked.value
    verb = "booked" if booked else "cancelled"
    url = f"/bookings/{p['booking_id']}"
    for user_id in ev.user_ids:
        # the audience is (candidate, mentor): each is told the other's name
        other = p["mentor_name"] if user_id == ev.user_ids[0] else p["candidate_name"]
        message = f"Mock interview “{p['format_title']}” with {other} on {_when(p['starts_at'])} {verb}."
        await notify(session, user_id, kind=f"booking_{verb}", message=message, url=url)
