"""Live session pages and the event stream (URLs and event kinds: app/live/__init__.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from app.auth.dependencies import CurrentMentor, CurrentUser, mentor_only, signed_in
from app.db import DbSession, SessionRoute
from app.errors import NotFound, TooManyRequests
from app.events.dispatcher import for_app
from app.interviews.models import Attempt
from app.kit import clock
from app.kit.digits import whole_number
from app.live import access, ladder, repository, service, stream, views
from app.live.lifecycle import LiveState
from app.web.templating import redirect, render, render_block

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])
mentor = APIRouter(route_class=SessionRoute, dependencies=[Depends(mentor_only)])

STREAM_RETRY_SECONDS = 5

SSE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx: pass each event on at once
}


def _after(request: Request) -> int | None:
    """Where a stream resumes: the browser's `Last-Event-ID` on a reconnect, else `?after=` (the
    event id the page was rendered at), else from now on."""
    for raw in (request.headers.get("last-event-id"), request.query_params.get("after")):
        if (event_id := whole_number(raw)) is not None:  # up to 18 digits: a bigint
            return event_id
    return None


@router.get("/live/{session_id}/events")
async def events(request: Request, session: DbSession, user: CurrentUser, session_id: uuid.UUID) -> Response:
    live = await access.participant(session, user, session_id)
    if live.state in access.FINISHED:
        return Response(status_code=204)  # an EventSource stops reconnecting on 204
    settings = request.app.state.settings
    release = stream.slots_of(request.app.state).take(user.id, settings.live_streams_per_user)
    if release is None:  # JSON whatever the Accept (an EventSource asks for text/event-stream)
        refused = TooManyRequests(
            f"Too many live streams open ({settings.live_streams_per_user}): close another tab of this session.",
            retry_after=STREAM_RETRY_SECONDS,
        )
        return JSONResponse(refused.to_json(), status_code=refused.status, headers=refused.headers())
    watch = stream.Watch(live.id, user.id, live.mentor_id, live.candidate_id, live.attempt_id)
    body = stream.stream(
        for_app(request.app.state),
        watch,
        after=_after(request),
        heartbeat=request.app.state.settings.live_heartbeat_seconds,
        still_allowed=access.checker(request, session_id),
    )
    return StreamingResponse(
        stream.held(body, release),
        media_type="text/event-stream",
        headers=SSE_HEADERS,
        background=BackgroundTask(release),  # also when the body never started (a client gone at once)
    )


@router.get("/live/bookings/{booking_id}/panel")
async def booking_panel(
    request: Request, session: DbSession, user: CurrentUser, booking_id: uuid.UUID
) -> Response:
    """The live block of the booking page (it loads this with htmx): Open / Join / Watch."""
    b, live = await service.session_of_booking(session, user, booking_id)
    start, end = service.open_window(b)
    now = clock.now()
    ctx = {
        "b": b,
        "live": live,
        "is_mentor": user.id == b.mentor_id,
        "can_open": b.status == "booked" and start <= now < end,
        "opens_at": start,
        "past": now >= end,
        "after": await repository.last_event_id(session),
    }
    return render_block(request, "live/_booking_panel.html", "panel", ctx)


@mentor.post("/live/bookings/{booking_id}/open")
async def open_session(
    request: Request, session: DbSession, user: CurrentMentor, booking_id: uuid.UUID
) -> Response:
    live = await service.open_session(session, user, booking_id)
    return redirect(request, f"/live/{live.id}")


@mentor.post("/live/{session_id}/end")
async def end_session(
    request: Request, session: DbSession, user: CurrentMentor, session_id: uuid.UUID
) -> Response:
    live = await service.end_session(session, user, session_id)
    return redirect(request, f"/live/{live.id}")


@router.get("/live/{session_id}")
async def session_page(
    request: Request, session: DbSession, user: CurrentUser, session_id: uuid.UUID
) -> Response:
    """The mentor's live page; the candidate is sent to their attempt (or their booking)."""
    live = await access.participant(session, user, session_id)
    if user.id != live.mentor_id:
        target = (
            f"/attempts/{live.attempt_id}" if live.state == LiveState.open else f"/bookings/{live.booking_id}"
        )
        return Response(status_code=303, headers={"Location": target})
    attempt = await session.get(Attempt, live.attempt_id) if live.attempt_id else None
    ctx = {
        "live": live,
        "a": await views.live_attempt(session, attempt) if attempt else None,
        "after": await repository.last_event_id(session),
        "candidate_name": await repository.display_name(session, live.candidate_id),
        **await ladder.page_context(session, live),  # the follow-up ladder and notes (app/live/ladder.py)
    }
    return render(request, "live/session.html", ctx)


@router.get("/live/attempts/{attempt_id}/panel")
async def attempt_panel(
    request: Request, session: DbSession, user: CurrentUser, attempt_id: uuid.UUID
) -> Response:
    """The live block of the candidate's attempt page (loaded with htmx when the attempt is live)."""
    live = await repository.of_attempt(session, attempt_id)
    if live is None or user.id != live.candidate_id:
        raise NotFound("No such live session.")
    ctx = {
        "live": live,
        "after": await repository.last_event_id(session),
        "mentor_name": await repository.display_name(session, live.mentor_id),
    }
    return render_block(request, "live/_attempt_panel.html", "panel", ctx)
