"""Self-assessment after submitting a timed attempt, and the calibration page. Thin routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentUser, signed_in
from app.calibration import gaps, service
from app.db import DbSession, SessionRoute
from app.errors import Invalid, NotFound
from app.interviews.dependencies import OwnAttempt
from app.web.templating import is_htmx, redirect, render

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])


@router.get("/attempts/{attempt_id}/self-assessment")
async def self_assessment_page(request: Request, session: DbSession, attempt: OwnAttempt) -> Response:
    if attempt.state == "in_progress":
        return Response(status_code=303, headers={"Location": f"/attempts/{attempt.id}"})
    items = await service.prediction_items(session, attempt)
    ctx = {"attempt": attempt, "items": items, "open": service.may_predict(attempt), "errors": {}}
    return render(request, "calibration/self_assessment.html", ctx)


@router.post("/attempts/{attempt_id}/self-assessment/{item_id}")
async def save_prediction(
    request: Request, session: DbSession, user: CurrentUser, attempt: OwnAttempt, item_id: uuid.UUID
) -> Response:
    items = {i.item_id: i for i in await service.prediction_items(session, attempt)}
    item = items.get(item_id)
    if item is None:
        raise NotFound("No written answer with this id in the attempt.")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        saved_at = await service.save_prediction(session, user, attempt, item, form)
    except Invalid as exc:
        ctx = {"attempt": attempt, "item": item, "errors": exc.fields, "saved_at": None}
        return render(request, "calibration/self_assessment.html", ctx, block="status", status_code=422)
    if not is_htmx(request):
        return redirect(request, f"/attempts/{attempt.id}/self-assessment#p-{item.position + 1}")
    ctx = {"attempt": attempt, "item": item, "errors": {}, "saved_at": saved_at}
    return render(request, "calibration/self_assessment.html", ctx, block="status")


@router.get("/progress/calibration")
async def calibration_page(request: Request, session: DbSession, user: CurrentUser) -> Response:
    cal = await service.calibration(session, user.id)
    ctx = {"cal": cal, "chart": gaps.chart(cal.weekly), "calibrated": gaps.CALIBRATED}
    return render(request, "calibration/calibration.html", ctx)
