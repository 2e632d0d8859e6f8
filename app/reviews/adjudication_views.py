"""What the adjudication pages show: the queue and the reviews of one attempt side by side."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.kit import clock
from app.reviews import adjudication, annotation, repository, scoring, views
from app.reviews.adjudication_lifecycle import AdjudicationStatus
from app.reviews.schemas import ReviewDraft


async def queue_page(session: AsyncSession, user: User) -> dict[str, Any]:
    return {"rows": await adjudication.queue(session, user.id), "now": clock.now(), "me": user.id}


async def side_by_side(
    session: AsyncSession, user: User, attempt_id: uuid.UUID, *, form: dict[str, str] | None = None
) -> dict[str, Any]:
    """Every submitted review of the attempt beside the others (per criterion, comments, overall),
    the candidate's answers, and the settle form when this user holds the claim."""
    attempt, fmt, outcome = await adjudication.checked(session, user, attempt_id)
    reviews = await repository.submitted_reviews(session, attempt_id)
    labels = [f"Reviewer {n}" for n in range(1, len(reviews) + 1)]
    verdicts = adjudication.review_items_by_item(
        await repository.review_items(session, [r.id for r in reviews])
    )
    items = []
    item_views = await views.item_views(session, attempt_id, ReviewDraft())
    for v in item_views:
        given = verdicts.get(v.ctx.item_id, {})
        items.append(
            {
                "v": v,
                "per_review": [(label, given.get(r.id)) for label, r in zip(labels, reviews, strict=True)],
            }
        )
    adj = await adjudication.adjudication_of(session, attempt_id)
    before = await adjudication.item_fractions(session, attempt_id)
    holder = adj.adjudicator_id if adj is not None and adj.status == AdjudicationStatus.claimed else None
    now = clock.now()
    names = await repository.display_names(session, [holder] if holder else [])
    return {
        "attempt": attempt,
        "fmt": fmt,
        "outcome": outcome,
        "candidate": await views.candidate_label(session, attempt, fmt),
        "reviews": list(zip(labels, reviews, strict=True)),
        "items": items,
        "adj": adj,
        "mine": holder == user.id,
        "held_by_other": holder is not None
        and holder != user.id
        and adj is not None
        and adj.expires_at > now,
        "holder_name": names.get(holder) if holder else None,
        "settled": adj is not None and adj.status == AdjudicationStatus.settled,
        "before": before,
        "annotations": views.annotated_items(
            item_views,
            await annotation.submitted_of_attempt(session, attempt_id),
            {r.id: label for label, r in zip(labels, reviews, strict=True)},
        ),
        "form": form or {},
        "field": adjudication.field,
        "signals": scoring.DEFAULT_SIGNALS,
        "recommendations": scoring.RECOMMENDATIONS,
        "recommendation_labels": scoring.RECOMMENDATION_LABELS,
    }
