"""Per-mentor calibration figures (issue 21): the mentor's own page and the admin analytics page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentMentor, admin_only, mentor_only
from app.calibration import mentor_figures
from app.db import DbSession, SessionRoute
from app.web.templating import render

router = APIRouter(route_class=SessionRoute)


@router.get("/mentor/calibration", dependencies=[Depends(mentor_only)])
async def my_calibration(request: Request, session: DbSession, mentor: CurrentMentor) -> Response:
    figures = await mentor_figures.for_mentor(session, mentor.id)
    ctx = {"f": figures, "chart": mentor_figures.trend_chart(figures)}
    return render(request, "calibration/mentor.html", ctx)


@router.get("/admin/analytics/calibration", dependencies=[Depends(admin_only)])
async def mentors_calibration(request: Request, session: DbSession) -> Response:
    rows = await mentor_figures.all_mentors(session)
    return render(request, "calibration/mentors_admin.html", {"rows": rows})
