"""Booking pages: a mentor's availability, booking a live mock interview, the session page.

Times are shown in the viewer's zone (app/booking/calendar.py says how it is known). A refusal
by the database (overlap, slot taken) re-renders the form with the message and 409.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentMentor, CurrentUser, mentor_only, signed_in
from app.booking import calendar, repository, service
from app.db import DbSession, SessionRoute
from app.errors import AppError, Conflict, Invalid, NotFound
from app.kit import clock
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])
mentor = APIRouter(route_class=SessionRoute, dependencies=[Depends(mentor_only)])


def _page(request: Request, template: str, ctx: dict[str, Any], status_code: int = 200) -> Response:
    name, tz = calendar.viewer_zone(request)
    full = {"tz_name": name, "zones": calendar.zone_names(), "local": lambda v: calendar.local(v, tz), **ctx}
    response = render(request, template, full, status_code=status_code)
    if request.query_params.get("tz") == name:
        response.set_cookie(calendar.COOKIE, name, max_age=365 * 86400, samesite="lax")
    return response


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# ---- mentor: my availability ----------------------------------------------------------------------


async def _availability(request: Request, session: DbSession, user: Any, **extra: Any) -> dict[str, Any]:
    return {
        "slots": await repository.mentor_slots(session, user.id, clock.now()),
        "formats": await repository.published_formats(session),
        "errors": {},
        "message": None,
        "form": {},
        **extra,
    }


@mentor.get("/availability")
async def availability_page(request: Request, session: DbSession, user: CurrentMentor) -> Response:
    return _page(request, "booking/availability.html", await _availability(request, session, user))


@mentor.post("/availability")
async def add_slot(request: Request, session: DbSession, user: CurrentMentor) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    try:
        tz = calendar.zone(values.get("tz")) or calendar.viewer_zone(request)[1]
        try:
            day = date.fromisoformat(values.get("date", ""))
            at = time.fromisoformat(values.get("time", ""))
            minutes = int(values.get("minutes", ""))
        except ValueError:
            raise Invalid(
                "Please correct the slot.", fields={"date": "Give a date, a start time and a duration."}
            ) from None
        ids = [u for u in (_uuid(v) for v in form.getlist("format_ids")) if u is not None]
        await service.add_slot(session, user, datetime.combine(day, at, tzinfo=tz), minutes, ids)
    except (Invalid, Conflict) as exc:
        ctx = await _availability(
            request, session, user, errors=exc.fields or {}, message=str(exc), form=values
        )
        return _page(request, "booking/availability.html", ctx, status_code=exc.status)
    return redirect(request, "/availability")


@mentor.post("/availability/{slot_id}/delete")
async def remove_slot(
    request: Request, session: DbSession, user: CurrentMentor, slot_id: uuid.UUID
) -> Response:
    await service.remove_slot(session, user, slot_id)
    return redirect(request, "/availability")


# ---- candidate: book a mock interview -------------------------------------------------------------


async def _book_ctx(request: Request, session: DbSession, user: Any, **extra: Any) -> dict[str, Any]:
    mentor_id = _uuid(request.query_params.get("mentor"))
    format_id = _uuid(request.query_params.get("format"))
    now = clock.now()
    return {
        "free": await repository.free_slots(
            session, now, mentor_id=mentor_id, format_id=format_id, exclude_mentor=user.id
        ),
        "mine": await repository.candidate_bookings(session, user.id, now),
        "mentors": await repository.mentors(session),
        "formats": await repository.published_formats(session),
        "mentor_id": mentor_id,
        "format_id": format_id,
        "message": None,
        **extra,
    }


@router.get("/book")
async def book_page(request: Request, session: DbSession, user: CurrentUser) -> Response:
    return _page(request, "booking/book.html", await _book_ctx(request, session, user))


@router.post("/book/{slot_id}")
async def book(request: Request, session: DbSession, user: CurrentUser, slot_id: uuid.UUID) -> Response:
    form = await request.form()
    try:
        booking = await service.book(session, user, slot_id, _uuid(form.get("format_id")))
    except (Invalid, Conflict) as exc:
        ctx = await _book_ctx(request, session, user, message=str(exc))
        return _page(request, "booking/book.html", ctx, status_code=exc.status)
    return redirect(request, f"/bookings/{booking.id}")


# ---- both: the session page, cancel, move, .ics ---------------------------------------------------


async def _session_ctx(session: DbSession, user: Any, booking_id: uuid.UUID, **extra: Any) -> dict[str, Any]:
    row = await service.booking_of(session, user, booking_id)
    b = row.booking
    others = []
    if b.candidate_id == user.id and b.status == "booked":
        others = await repository.free_slots(session, clock.now(), mentor_id=b.mentor_id)
    return {
        "row": row,
        "is_candidate": b.candidate_id == user.id,
        "open": b.status == "booked" and b.starts_at > clock.now() + service.cutoff(),
        "cutoff_hours": f"{service.cutoff().total_seconds() / 3600:g}",
        "others": others,
        "message": None,
        **extra,
    }


@router.get("/bookings/{booking_id}")
async def session_page(
    request: Request, session: DbSession, user: CurrentUser, booking_id: uuid.UUID
) -> Response:
    return _page(request, "booking/session.html", await _session_ctx(session, user, booking_id))


@router.get("/bookings/{booking_id}/calendar.ics")
async def session_ics(
    request: Request, session: DbSession, user: CurrentUser, booking_id: uuid.UUID
) -> Response:
    row = await service.booking_of(session, user, booking_id)
    return Response(
        calendar.ics(row, str(request.base_url)),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="mock-interview-{booking_id}.ics"'},
    )


@router.post("/bookings/{booking_id}/cancel")
async def cancel(request: Request, session: DbSession, user: CurrentUser, booking_id: uuid.UUID) -> Response:
    try:
        await service.cancel(session, user, booking_id)
    except Conflict as exc:
        return await _refused(request, session, user, booking_id, exc)
    return redirect(request, f"/bookings/{booking_id}")


@router.post("/bookings/{booking_id}/reschedule")
async def reschedule(
    request: Request, session: DbSession, user: CurrentUser, booking_id: uuid.UUID
) -> Response:
    form = await request.form()
    slot_id, _, format_id = str(form.get("choice", "")).partition("/")
    slot = _uuid(slot_id)
    if slot is None:
        raise NotFound("No such slot.")
    try:
        moved = await service.reschedule(session, user, booking_id, slot, _uuid(format_id))
    except (Invalid, Conflict) as exc:
        return await _refused(request, session, user, booking_id, exc)
    return redirect(request, f"/bookings/{moved.id}")


async def _refused(
    request: Request, session: DbSession, user: Any, booking_id: uuid.UUID, exc: AppError
) -> Response:
    await session.rollback()  # show the booking as it is (the refused change is not kept)
    await session.refresh(user)
    ctx = await _session_ctx(session, user, booking_id, message=str(exc))
    return _page(request, "booking/session.html", ctx, status_code=exc.status)
