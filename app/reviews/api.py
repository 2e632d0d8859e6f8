"""JSON API for reviews: the queue, claims, drafts, submit, release (mentors) and released
feedback (the candidate), adjudication of flagged disagreements (a third reviewer). Blind attempts
show a pseudonym here exactly as on the pages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.auth.dependencies import CurrentMentor, CurrentUser, client_ip, mentor_only, signed_in
from app.config import get_settings
from app.db import DbSession, SessionRoute
from app.kit import clock
from app.kit.readmodel import read_model
from app.questions import kinds
from app.reviews import (
    adjudication,
    anchors,
    claims,
    delivery,
    drafts,
    repository,
    scoring,
    submission,
    views,
)
from app.reviews.dependencies import OwnReview, ReleasedAttempt
from app.reviews.models import Adjudication, Review
from app.reviews.schemas import (
    AdjudicationQueueRead,
    AdjudicationRead,
    AdjudicationSettleIn,
    AdjudicationStateRead,
    AnnotationRead,
    CommentRead,
    DraftSave,
    DraftSaved,
    FeedbackCriterionRead,
    FeedbackItemRead,
    FeedbackRead,
    FeedbackReleased,
    FeedbackReviewRead,
    KeyPointRead,
    QueueEntry,
    QueueRead,
    RatingRead,
    ReviewAttemptRead,
    ReviewDraft,
    ReviewItemRead,
    ReviewRead,
    ReviewSubmitted,
    ReviewSummary,
)

api = APIRouter(route_class=SessionRoute, prefix="/api/v1")
MENTOR = [Depends(mentor_only)]


def _summary(review: Review) -> ReviewSummary:
    return ReviewSummary.model_validate(review, from_attributes=True)


@api.get("/reviews/queue", dependencies=MENTOR)
async def queue(
    session: DbSession,
    mentor: CurrentMentor,
    format_id: Annotated[uuid.UUID | None, Query()] = None,
    topic_id: Annotated[int | None, Query()] = None,
) -> QueueRead:
    await anchors.prepare(session, mentor.id, repository.HEAD)
    now = clock.now()
    rows = await repository.queue(session, me=mentor.id, now=now, format_id=format_id, topic_id=topic_id)
    entries = [
        QueueEntry(
            attempt_id=r.attempt_id,
            format_title=r.format_title,
            candidate=scoring.pseudonym(get_settings().secret_key, str(r.attempt_id))
            if r.blind_review
            else r.candidate_name,
            finished_at=r.finished_at,
            reviews_done=r.reviews_done,
            reviews_required=r.reviewers_required,
            topics=list(r.topics),
        )
        for r in rows
    ]
    return QueueRead(counts=await repository.counts(session, now=now), items=entries)


class ClaimIn(BaseModel):
    format_id: uuid.UUID | None = None
    topic_id: int | None = None


@api.post(
    "/reviews/claims",
    dependencies=MENTOR,
    status_code=201,
    response_model=ReviewSummary,
    responses={204: {"description": "Nothing to claim for you right now."}},
)
async def claim_next(session: DbSession, mentor: CurrentMentor, body: ClaimIn | None = None) -> Any:
    """Claim the oldest attempt needing a review; 204 when there is none for you."""
    body = body or ClaimIn()
    review = await claims.claim_next(session, mentor, format_id=body.format_id, topic_id=body.topic_id)
    if review is None:
        return Response(status_code=204)
    return _summary(review)


@api.get("/reviews/mine", dependencies=MENTOR)
async def mine(session: DbSession, mentor: CurrentMentor) -> list[ReviewSummary]:
    return [_summary(r) for r, _, _ in await repository.my_reviews(session, mentor.id)]


@api.get("/reviews/{review_id}", dependencies=MENTOR)
async def review(session: DbSession, found: OwnReview) -> ReviewRead:
    ctx = await views.review_page(session, *found)
    rv, attempt, fmt = found
    return ReviewRead(
        **_summary(rv).model_dump(),
        attempt=ReviewAttemptRead(
            id=attempt.id,
            state=attempt.state,
            format_title=fmt.title,
            blind=fmt.blind_review,
            candidate=ctx["candidate"],
            finished_at=attempt.finished_at,
        ),
        items=[
            ReviewItemRead(
                id=v.ctx.item_id,
                position=v.position,
                kind=v.kind,
                title=v.title,
                topic=v.topic,
                prompt_html=v.prompt_html,
                answer=v.answer,
                reference_html=v.reference_html,
                rubric=v.ctx.rubric,
                max_points=v.ctx.max_points,
                auto_points=v.ctx.auto_points,
                time_spent_seconds=v.time_spent_seconds,
            )
            for v in ctx["items"]
        ],
        draft=ctx["draft"],
        percent=ctx["percent"],
    )


@api.put("/reviews/{review_id}/draft", dependencies=MENTOR)
async def save_draft(
    session: DbSession, mentor: CurrentMentor, found: OwnReview, body: DraftSave
) -> DraftSaved:
    out = await drafts.save_draft(session, mentor, found[0].id, revision=body.revision, draft=body.draft)
    return DraftSaved.of(out)


@api.post("/reviews/{review_id}/submit", dependencies=MENTOR)
async def submit(
    session: DbSession, mentor: CurrentMentor, found: OwnReview, body: ReviewDraft
) -> ReviewSubmitted:
    rv = await submission.submit_review(session, mentor, found[0].id, body)
    return ReviewSubmitted(**_summary(rv).model_dump(), score_percent=rv.score_percent)


@api.delete("/reviews/{review_id}/claim", dependencies=MENTOR, status_code=204)
async def release_claim(session: DbSession, mentor: CurrentMentor, review_id: uuid.UUID) -> Response:
    await claims.release_claim(session, mentor, review_id)
    return Response(status_code=204)


@api.post("/reviews/attempts/{attempt_id}/release", dependencies=MENTOR)
async def release(session: DbSession, mentor: CurrentMentor, attempt_id: uuid.UUID) -> FeedbackReleased:
    attempt = await delivery.release_feedback(session, mentor, attempt_id)
    return FeedbackReleased(attempt_id=attempt.id, state=attempt.state)


class RatingIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    # the limit is the service's (422 with the field's message), documented here
    comment: str = Field(default="", json_schema_extra={"maxLength": 2_000})


@api.get("/attempts/{attempt_id}/feedback", dependencies=[Depends(signed_in)])
async def feedback(session: DbSession, attempt: ReleasedAttempt) -> FeedbackRead:
    ctx = await views.feedback(session, attempt)
    outcome = ctx["outcome"]
    return FeedbackRead(
        attempt_id=attempt.id,
        format_title=ctx["fmt"].title,
        score_percent=outcome.score_percent if outcome else None,
        recommendation=outcome.recommendation if outcome else None,
        reviews=[
            FeedbackReviewRead(
                reviewer=label,
                score_percent=r.score_percent,
                recommendation=r.recommendation,
                signals=r.signals,
                summary_html=r.summary_html,
            )
            for label, r in ctx["reviews"]
        ],
        items=[
            _feedback_item(
                it, keys_shown=ctx["keys_shown"], notes=ctx["annotations"].get(it["v"].ctx.item_id)
            )
            for it in ctx["items"]
        ],
        adjudication=AdjudicationRead(
            settled_at=adj.settled_at, reason=adj.reason, original_reviews_shown=ctx["show_originals"]
        )
        if (adj := ctx["adjudication"]) is not None and adj.settled_at is not None
        else None,
    )


def _feedback_item(it: dict[str, Any], *, keys_shown: bool, notes: dict[str, Any] | None) -> FeedbackItemRead:
    v = it["v"]
    return FeedbackItemRead(
        id=v.ctx.item_id,
        title=v.title,
        kind=v.kind,
        fraction=it["fraction"],
        criteria=[
            FeedbackCriterionRead(
                name=c["crit"]["name"], points=c["crit"]["points"], mean=c["mean"], levels=c["chosen"]
            )
            for c in it["criteria"]
        ],
        key_points=[KeyPointRead(**kp) for kp in it["key_points"]],
        misconceptions=it["misconceptions"],
        comments=[CommentRead(reviewer=lbl, html=html) for lbl, html in it["comments"]],
        reference_html=v.reference_html if keys_shown or not kinds.get(v.kind).objective else None,
        annotations=[
            AnnotationRead(
                reviewer=n["label"],
                start=n["note"].start,
                end=n["note"].end,
                quote=n["quote"],
                comment=n["comment"],
            )
            for n in (notes or {}).get("notes", [])
        ],
    )


@api.post("/attempts/{attempt_id}/feedback/rating", dependencies=[Depends(signed_in)])
async def rate(session: DbSession, user: CurrentUser, attempt: ReleasedAttempt, body: RatingIn) -> RatingRead:
    row = await delivery.rate_feedback(session, user, attempt, rating=body.rating, comment=body.comment)
    return RatingRead(rating=row.rating, comment=row.comment)


# ---- adjudication (app/reviews/adjudication.py): flagged disagreements, a third reviewer -------------


def _adjudication(adj: Adjudication) -> AdjudicationStateRead:
    return read_model(AdjudicationStateRead, adj, claimed_until=adj.expires_at)


@api.get("/adjudications", dependencies=MENTOR)
async def adjudication_queue(session: DbSession, user: CurrentMentor) -> list[AdjudicationQueueRead]:
    """Flagged disagreements you may adjudicate, oldest first."""
    now = clock.now()
    return [
        AdjudicationQueueRead(
            attempt_id=a.id,
            format_title=title,
            flagged_at=o.computed_at,
            score_spread=o.score_spread,
            recommendation_spread=o.recommendation_spread,
            claimed_until=adj.expires_at if adj is not None and adj.expires_at > now else None,
            claimed_by_you=adj is not None and adj.expires_at > now and adj.adjudicator_id == user.id,
        )
        for o, a, title, adj in await adjudication.queue(session, user.id)
    ]


@api.post("/adjudications/{attempt_id}/claim", dependencies=MENTOR)
async def adjudication_claim(
    request: Request, session: DbSession, user: CurrentMentor, attempt_id: uuid.UUID
) -> AdjudicationStateRead:
    """Claim it (409 when another adjudicator holds it, or it is settled)."""
    return _adjudication(await adjudication.claim(session, user, attempt_id, ip=client_ip(request)))


@api.post("/adjudications/{attempt_id}/settle", dependencies=MENTOR)
async def adjudication_settle(
    request: Request,
    session: DbSession,
    user: CurrentMentor,
    attempt_id: uuid.UUID,
    body: AdjudicationSettleIn,
) -> AdjudicationStateRead:
    """Final levels per criterion (free text) or a percent (objective) per item, the recommendation
    and the reason; replaces the aggregate. 422 with fields, 409 when not yours to settle."""
    form = {"recommendation": body.recommendation, "reason": body.reason}
    for item_id, final in body.items.items():
        for c, level in enumerate(final.levels):
            form[adjudication.field(item_id, f"level-{c}")] = str(level)
        if final.percent is not None:
            form[adjudication.field(item_id, "percent")] = repr(final.percent)
    return _adjudication(await adjudication.settle(session, user, attempt_id, form, ip=client_ip(request)))
