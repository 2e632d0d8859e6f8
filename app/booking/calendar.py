"""Time zones of the viewer and the booking's iCalendar file.

Times are stored as timestamptz (UTC instants). A page shows them in the viewer's zone: the
`mlmock_tz` cookie, which static/js/booking.js sets from the browser's own zone
(`Intl.DateTimeFormat().resolvedOptions().timeZone`) on the first visit and which the zone
select on the booking pages overrides (`?tz=`); UTC when neither is there or the name is not
an IANA zone. A mentor types a slot's date and time in the zone chosen on the form (the viewer's).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import Request
from icalendar import Calendar
from icalendar import Event as IcsEvent

from app.booking.repository import BookingRow

COOKIE = "mlmock_tz"


@cache
def zone_names() -> list[str]:
    named = (z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [*sorted(named), "UTC"]


def zone(name: str | None) -> tzinfo | None:
    if not name or name not in zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def viewer_zone(request: Request) -> tuple[str, tzinfo]:
    """(name, zone) the page shows times in: ?tz=, else the cookie, else UTC."""
    for name in (request.query_params.get("tz"), unquote(request.cookies.get(COOKIE) or "")):
        z = zone(name)
        if z is not None and name is not None:
            return name, z
    return "UTC", UTC


def local(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%a %d %b %Y, %H:%M")


def ics(row: BookingRow, base_url: str) -> bytes:
    """One VEVENT for the booking (UTC times; the calendar app shows them in its own zone)."""
    b = row.booking
    url = f"{base_url.rstrip('/')}/bookings/{b.id}"
    cal = Calendar()
    cal.add("prodid", "-//mlmock//booking//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    ev = IcsEvent()
    ev.add("uid", f"booking-{b.id}@mlmock")
    ev.add("dtstamp", b.created_at.astimezone(UTC))
    ev.add("dtstart", b.starts_at.astimezone(UTC))
    ev.add("dtend", b.ends_at.astimezone(UTC))
    ev.add("summary", f"Mock interview: {row.format_title} ({row.mentor_name} with {row.candidate_name})")
    ev.add("description", f"Live mock interview on mlmock. Session page: {url}")
    ev.add("url", url)
    ev.add("status", "CANCELLED" if b.status == "cancelled" else "CONFIRMED")
    cal.add_component(ev)
    ical: bytes = cal.to_ical()
    return ical
