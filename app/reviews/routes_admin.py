"""Admin: attempts flagged for reviewer disagreement, candidates' ratings of feedback, one
attempt's reviews (with private notes), and un-blinding (audited)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from app.auth.dependencies import CurrentAdmin, admin_only, client_ip
from app.auth.models import User
from app.db import DbSession
from app.errors import NotFound
from app.interviews.models import Attempt, InterviewFormat
from app.reviews import repository, scoring, service, views
from app.reviews.models import FeedbackRating, ReviewOutcome
from app.web.templating import render

router = APIRouter(prefix="/admin/reviews", dependencies=[Depends(admin_only)])


@router.get("")
async def overview(request: Request, session: DbSession) -> Response:
    flagged = (
        await session.execute(
            select(ReviewOutcome, Attempt, InterviewFormat.title)
            .join(Attempt, Attempt.id == ReviewOutcome.attempt_id)
            .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
            .where(ReviewOutcome.flagged)
            .order_by(ReviewOutcome.computed_at.desc())
            .limit(200)
        )
    ).all()
    ratings = (
        await session.execute(
            select(FeedbackRating, InterviewFormat.title)
            .join(Attempt, Attempt.id == FeedbackRating.attempt_id)
            .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
            .order_by(FeedbackRating.rated_at.desc())
            .limit(200)
        )
    ).all()
    return render(request, "reviews/admin.html", {"flagged": flagged, "ratings": ratings})


async def _attempt_ctx(session: DbSession, attempt_id: uuid.UUID) -> dict[str, object]:
    attempt = await session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    fmt = await session.get(InterviewFormat, attempt.format_id)
    assert fmt is not None
    reviews = await repository.submitted_reviews(session, attempt.id)
    return {
        "attempt": attempt,
        "fmt": fmt,
        "candidate": await views.candidate_label(session, attempt, fmt),
        "reviews": reviews,
        "recommendation_labels": scoring.RECOMMENDATION_LABELS,
        # blind review hides names from mentors and the candidate, not from admins
        "reviewer_names": dict(
            (
                await session.execute(
                    select(User.id, User.display_name).where(User.id.in_([r.reviewer_id for r in reviews]))
                )
            )
            .tuples()
            .all()
        ),
        "outcome": await session.get(ReviewOutcome, attempt.id),
        "rating": await session.get(FeedbackRating, attempt.id),
        "revealed": None,
    }


@router.get("/attempts/{attempt_id}")
async def attempt_reviews(request: Request, session: DbSession, attempt_id: uuid.UUID) -> Response:
    return render(request, "reviews/admin_attempt.html", await _attempt_ctx(session, attempt_id))


@router.post("/attempts/{attempt_id}/unblind")
async def unblind(
    request: Request, session: DbSession, admin: CurrentAdmin, attempt_id: uuid.UUID
) -> Response:
    ctx = await _attempt_ctx(session, attempt_id)
    candidate = await service.unblind(session, admin, attempt_id, ip=client_ip(request))
    ctx["revealed"] = {"name": candidate.display_name, "email": candidate.email}
    return render(request, "reviews/admin_attempt.html", ctx, block="identity")
