"""Submitting a review: the per-item verdicts, and the set completed once every required review is
in (aggregate, disagreement flag, automatic release). Flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.config import get_settings
from app.errors import Conflict
from app.interviews import lifecycle
from app.interviews.models import Attempt, InterviewFormat
from app.kit import clock
from app.questions.rendering import render_markdown_lenient
from app.reviews import claims, delivery, drafts, repository, rules
from app.reviews import lifecycle as review_lifecycle
from app.reviews.models import Review, ReviewItem, ReviewOutcome
from app.reviews.schemas import ItemDraft, ReviewDraft


async def submit_review(
    session: AsyncSession, mentor: User, review_id: uuid.UUID, draft: ReviewDraft
) -> Review:
    """Validate every required field, store the per-item verdicts, and complete the attempt's set."""
    review, attempt, fmt, items, draft = await drafts.checked(
        session, mentor, review_id, draft, complete=True
    )
    now = clock.now()
    await session.execute(repository.LOCK_ATTEMPT, {"attempt_id": attempt.id})
    await session.refresh(review)
    if review.status != "claimed":
        raise Conflict("This review is no longer open.")
    if review.expires_at <= now:
        await claims.renew(session, review, now)
    for ctx in items:
        d = draft.items.get(ctx.item_id) or ItemDraft()
        fraction = rules.item_fraction(ctx, d)
        assert fraction is not None  # check(complete=True) guarantees it
        session.add(
            ReviewItem(
                review_id=review.id,
                item_id=ctx.item_id,
                fraction=fraction,
                levels=[lv for lv in d.levels if lv is not None],
                points=[p for p in rules.item_points(ctx, d) if p is not None],
                key_points=sorted(set(d.key_points)),
                misconceptions=list(dict.fromkeys(d.misconceptions)),
                other_misconception=d.other_misconception.strip() if "other" in d.misconceptions else "",
                follow_ups=sorted(set(d.follow_ups)),
                hints=sorted(set(d.hints)),
                comment=d.comment,
                comment_html=render_markdown_lenient(d.comment) if d.comment.strip() else "",
                override=None if d.override is None else d.override / ctx.max_points,
                override_reason=d.override_reason.strip() if d.override is not None else "",
            )
        )
    await review_lifecycle.submit(
        session,
        review.id,
        {
            "submitted_at": now,
            "draft": draft.model_dump(mode="json"),
            "score_percent": rules.review_percent(draft, items),
            "recommendation": draft.recommendation,
            "signals": {k: v for k, v in draft.signals.items() if v is not None},
            "summary": draft.summary,
            "summary_html": render_markdown_lenient(draft.summary),
            "private_note": draft.private_note,
            "private_note_html": render_markdown_lenient(draft.private_note)
            if draft.private_note.strip()
            else "",
            "show_name": draft.show_name,
        },
    )
    await session.flush()
    # a not-counted attempt here is an anchor's stand-in (app/reviews/anchors.py): it never completes
    if attempt.counted and await repository.count_submitted(session, attempt.id) >= fmt.reviewers_required:
        await _complete(session, attempt.id, items)
    await session.refresh(review)
    return review


async def _complete(session: AsyncSession, attempt_id: uuid.UUID, items: list[rules.ItemContext]) -> None:
    """Every required review is in: store the aggregate, flag disagreement, move to `reviewed`."""
    reviews = await repository.submitted_reviews(session, attempt_id)
    per_item: dict[uuid.UUID, list[float]] = {ctx.item_id: [] for ctx in items}
    for ri in await repository.review_items(session, [r.id for r in reviews]):
        per_item.setdefault(ri.item_id, []).append(ri.fraction)
    agg = rules.aggregate(
        per_item,
        [r.recommendation for r in reviews if r.recommendation],
        [ctx.item_id for ctx in items if ctx.is_free_text],
        threshold=get_settings().review_disagreement_threshold,
    )
    outcome = await session.get(ReviewOutcome, attempt_id) or ReviewOutcome(attempt_id=attempt_id)
    outcome.score_percent = agg.percent
    for same_name in ("recommendation", "flagged", "score_spread", "recommendation_spread"):
        setattr(outcome, same_name, getattr(agg, same_name))
    outcome.computed_at = clock.now()
    session.add(outcome)
    await lifecycle.complete_review(session, attempt_id)
    await session.flush()
    auto = await session.execute(
        select(InterviewFormat.auto_release)
        .join(Attempt, Attempt.format_id == InterviewFormat.id)
        .where(Attempt.id == attempt_id)
    )
    # a flagged disagreement goes to adjudication first; its settlement releases (app/reviews/adjudication.py)
    if auto.scalar() and not agg.flagged:
        await delivery.release_now(session, attempt_id, released_by=None)
