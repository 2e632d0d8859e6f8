"""Admin: attempts flagged for reviewer disagreement, candidates' ratings of feedback, one
attempt's reviews (with private notes), and un-blinding (audited)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentAdmin, admin_only, client_ip
from app.db import DbSession, SessionRoute
from app.errors import NotFound
from app.questions import kinds
from app.reviews import delivery, repository, scoring, views
from app.web.templating import render

router = APIRouter(route_class=SessionRoute, prefix="/admin/reviews", dependencies=[Depends(admin_only)])


@router.get("")
async def overview(request: Request, session: DbSession) -> Response:
    ctx = {
        "flagged": await repository.flagged_outcomes(session),
        "ratings": await repository.recent_ratings(session),
    }
    return render(request, "reviews/admin.html", ctx)


async def _attempt_ctx(session: DbSession, attempt_id: uuid.UUID) -> dict[str, object]:
    found = await repository.attempt_with_format(session, attempt_id)
    if found is None:
        raise NotFound("No such attempt.")
    attempt, fmt = found
    reviews = await repository.submitted_reviews(session, attempt.id)
    return {
        "attempt": attempt,
        "fmt": fmt,
        "candidate": await views.candidate_label(session, attempt, fmt),
        "reviews": reviews,
        "recommendation_labels": scoring.RECOMMENDATION_LABELS,
        # blind review hides names from mentors and the candidate, not from admins
        "reviewer_names": await repository.display_names(session, [r.reviewer_id for r in reviews]),
        "outcome": await repository.outcome(session, attempt.id),
        "rating": await repository.rating(session, attempt.id),
        "revealed": None,
        # written answers an admin may mark as anchors (app/calibration/routes_anchors.py)
        "written": [
            (item, version)
            for item, version, _, _ in await repository.items(session, attempt.id)
            if not kinds.get(item.kind).objective
        ]
        if attempt.counted
        else [],
    }


@router.get("/attempts/{attempt_id}")
async def attempt_reviews(request: Request, session: DbSession, attempt_id: uuid.UUID) -> Response:
    return render(request, "reviews/admin_attempt.html", await _attempt_ctx(session, attempt_id))


@router.post("/attempts/{attempt_id}/unblind")
async def unblind(
    request: Request, session: DbSession, admin: CurrentAdmin, attempt_id: uuid.UUID
) -> Response:
    ctx = await _attempt_ctx(session, attempt_id)
    candidate = await delivery.unblind(session, admin, attempt_id, ip=client_ip(request))
    ctx["revealed"] = {"name": candidate.display_name, "email": candidate.email}
    return render(request, "reviews/admin_attempt.html", ctx, block="identity")
