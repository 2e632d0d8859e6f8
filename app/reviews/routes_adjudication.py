"""Adjudication pages (mentors who did not review the attempt, and admins): the queue of flagged
disagreements, claiming one, the reviews side by side and the settlement (app/reviews/adjudication.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentMentor, client_ip, mentor_only
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.reviews import adjudication, adjudication_views
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute, prefix="/adjudication", dependencies=[Depends(mentor_only)])


@router.get("")
async def queue(request: Request, session: DbSession, user: CurrentMentor) -> Response:
    return render(
        request, "reviews/adjudication_queue.html", await adjudication_views.queue_page(session, user)
    )


@router.post("/{attempt_id}/claim")
async def claim(request: Request, session: DbSession, user: CurrentMentor, attempt_id: uuid.UUID) -> Response:
    await adjudication.claim(session, user, attempt_id, ip=client_ip(request))
    return redirect(request, f"/adjudication/{attempt_id}")


@router.post("/{attempt_id}/give-back")
async def give_back(
    request: Request, session: DbSession, user: CurrentMentor, attempt_id: uuid.UUID
) -> Response:
    await adjudication.give_back(session, user, attempt_id, ip=client_ip(request))
    return redirect(request, "/adjudication")


@router.get("/{attempt_id}")
async def page(request: Request, session: DbSession, user: CurrentMentor, attempt_id: uuid.UUID) -> Response:
    ctx = await adjudication_views.side_by_side(session, user, attempt_id)
    return render(request, "reviews/adjudication.html", {**ctx, "errors": {}})


@router.post("/{attempt_id}/settle")
async def settle(
    request: Request, session: DbSession, user: CurrentMentor, attempt_id: uuid.UUID
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        await adjudication.settle(session, user, attempt_id, form, ip=client_ip(request))
    except Invalid as exc:
        ctx = await adjudication_views.side_by_side(session, user, attempt_id, form=form)
        return render(request, "reviews/adjudication.html", {**ctx, "errors": exc.fields}, status_code=422)
    return redirect(request, f"/adjudication/{attempt_id}")
