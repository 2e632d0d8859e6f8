"""Adjudication: a disagreement flagged on an attempt's reviews goes to a queue; a third reviewer
(a mentor who did not review the attempt and did not take it, or an admin) claims it, compares the
reviews side by side and sets the final scores with a reason. Flush, never commit.

The settlement replaces the aggregate (`review_outcome.score_percent` / `recommendation`, so every
page and the API show it); what it replaced is kept on the adjudication row (`before`) and in the
audit log (who, when, before, after, reason). A flagged attempt of an auto-releasing format is
released by its settlement, not by the last review (app/reviews/submission.py `_complete`).
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.auth.service import audit
from app.config import get_settings
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import EventKind
from app.interviews.lifecycle import AttemptState
from app.interviews.models import Attempt, InterviewFormat
from app.kit import clock
from app.reviews import adjudication_lifecycle as adj_lifecycle
from app.reviews import delivery, drafts, notify, repository, rules, scoring
from app.reviews.models import Adjudication, Review, ReviewItem, ReviewOutcome

ADJUDICATOR = "Adjudicator"
REASON_MAX = 4_000


def field(item_id: uuid.UUID, part: str) -> str:
    """The settle form's field name for one item (`level-<c>` per criterion, or `percent`)."""
    return f"adj-{item_id}-{part}"


# ---- queries -------------------------------------------------------------------------------------


def _not_involved(me: uuid.UUID) -> Any:
    """The attempt is not this user's own and they did not review (nor claim) it."""
    reviewed = exists(
        select(Review.id).where(
            Review.attempt_id == Attempt.id,
            Review.reviewer_id == me,
            Review.status.in_(("claimed", "submitted")),
        )
    )
    return (Attempt.user_id != me) & ~reviewed


async def queue(
    session: AsyncSession, me: uuid.UUID, *, limit: int = 200
) -> list[tuple[ReviewOutcome, Attempt, str, Adjudication | None]]:
    """Flagged attempts not yet settled that this user may adjudicate, oldest flag first."""
    stmt = (
        select(ReviewOutcome, Attempt, InterviewFormat.title, Adjudication)
        .join(Attempt, Attempt.id == ReviewOutcome.attempt_id)
        .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
        .outerjoin(Adjudication, Adjudication.attempt_id == ReviewOutcome.attempt_id)
        .where(
            ReviewOutcome.flagged,
            or_(Adjudication.status.is_(None), Adjudication.status != adj_lifecycle.S.settled.value),
            _not_involved(me),
        )
        .order_by(ReviewOutcome.computed_at, ReviewOutcome.attempt_id)
        .limit(limit)
    )
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(stmt)).all()]


async def adjudication_of(session: AsyncSession, attempt_id: uuid.UUID) -> Adjudication | None:
    stmt = (
        select(Adjudication)
        .where(Adjudication.attempt_id == attempt_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar()


async def settled(session: AsyncSession, attempt_id: uuid.UUID) -> Adjudication | None:
    adj = await adjudication_of(session, attempt_id)
    return adj if adj is not None and adj.status == adj_lifecycle.S.settled else None


async def checked(
    session: AsyncSession, user: User, attempt_id: uuid.UUID
) -> tuple[Attempt, InterviewFormat, ReviewOutcome]:
    """The flagged attempt this user may adjudicate: 404 when it is not flagged, 403 for its
    candidate and its reviewers (a third reviewer settles it)."""
    found = await repository.attempt_with_format(session, attempt_id)
    outcome = await repository.outcome(session, attempt_id)
    if found is None or outcome is None or not outcome.flagged:
        raise NotFound("No flagged disagreement on this attempt.")
    attempt, fmt = found
    if not user.is_mentor:
        raise Forbidden("Only mentors and admins adjudicate.")
    if attempt.user_id == user.id:
        raise Forbidden("You cannot adjudicate your own attempt.")
    mine = await session.execute(
        select(Review.id).where(
            Review.attempt_id == attempt_id,
            Review.reviewer_id == user.id,
            Review.status.in_(("claimed", "submitted")),
        )
    )
    if mine.scalar() is not None:
        raise Forbidden("You reviewed this attempt: a third reviewer adjudicates it.")
    return attempt, fmt, outcome


# ---- claim and settle ----------------------------------------------------------------------------


async def claim(session: AsyncSession, user: User, attempt_id: uuid.UUID, *, ip: str | None) -> Adjudication:
    """Claim the adjudication (one adjudicator at a time; 409 when another holds it or it is settled)."""
    await checked(session, user, attempt_id)
    now = clock.now()
    expires_at = now + timedelta(minutes=get_settings().claim_minutes)
    if not await adj_lifecycle.claim(
        session, attempt_id=attempt_id, me=user.id, now=now, expires_at=expires_at
    ):
        adj = await adjudication_of(session, attempt_id)
        if adj is not None and adj.status == adj_lifecycle.S.settled:
            raise Conflict("This disagreement is already settled.", reason="settled")
        raise Conflict("Another adjudicator has claimed this disagreement.", reason="taken")
    await audit(session, "adjudication_claimed", actor_id=user.id, subject=str(attempt_id), ip=ip)
    adj = await adjudication_of(session, attempt_id)
    assert adj is not None
    return adj


async def give_back(session: AsyncSession, user: User, attempt_id: uuid.UUID, *, ip: str | None) -> None:
    """Give the claim back to the queue (409 when this user holds no live claim on it)."""
    await checked(session, user, attempt_id)
    if not await adj_lifecycle.give_back(session, attempt_id, user.id, clock.now()):
        raise Conflict("You hold no claim on this disagreement.", reason="not_claimed")
    await audit(session, "adjudication_given_back", actor_id=user.id, subject=str(attempt_id), ip=ip)


def _percent(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip())
    except ValueError:
        return None
    return value if 0.0 <= value <= 100.0 else None


def final_scores(
    form: Mapping[str, str], items: list[rules.ItemContext]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The final score of each item read from the settle form, and field errors (pure)."""
    out: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for ctx in items:
        if ctx.is_free_text:
            levels: list[int] = []
            for c, crit in enumerate(ctx.criteria):
                raw = (form.get(field(ctx.item_id, f"level-{c}")) or "").strip()
                if not (raw.isascii() and raw.isdigit()) or not 0 <= int(raw) < len(crit["levels"]):
                    errors[field(ctx.item_id, f"level-{c}")] = f"Choose a final level for “{crit['name']}”."
                    continue
                levels.append(int(raw))
            if len(levels) == len(ctx.criteria):
                rubric = {"criteria": ctx.criteria}
                points = [p or 0.0 for p in scoring.criterion_points(rubric, levels)]
                fraction = scoring.answer_fraction(rubric, levels)
                out[str(ctx.item_id)] = {"fraction": fraction, "levels": levels, "points": points}
        else:
            value = _percent(form.get(field(ctx.item_id, "percent")))
            if value is None:
                errors[field(ctx.item_id, "percent")] = "A final score from 0 to 100 %."
            else:
                out[str(ctx.item_id)] = {"fraction": value / 100.0, "levels": [], "points": []}
    if form.get("recommendation") not in scoring.RECOMMENDATIONS:
        errors["recommendation"] = "Choose the final recommendation."
    reason = (form.get("reason") or "").strip()
    if not reason:
        errors["reason"] = "Give the reason for the final scores."
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"At most {REASON_MAX} characters."
    return out, errors


async def item_fractions(session: AsyncSession, attempt_id: uuid.UUID) -> dict[str, float]:
    """The aggregate's fraction per item (the mean over the submitted reviews)."""
    reviews = await repository.submitted_reviews(session, attempt_id)
    per_item: dict[str, list[float]] = {}
    for ri in await repository.review_items(session, [r.id for r in reviews]):
        per_item.setdefault(str(ri.item_id), []).append(ri.fraction)
    return {k: statistics.fmean(v) for k, v in per_item.items()}


async def settle(
    session: AsyncSession, user: User, attempt_id: uuid.UUID, form: Mapping[str, str], *, ip: str | None
) -> Adjudication:
    """Set the final scores and recommendation (with a reason) in place of the aggregate, audited."""
    attempt, fmt, outcome = await checked(session, user, attempt_id)
    items = await drafts.contexts(session, attempt_id)
    finals, errors = final_scores(form, items)
    if errors:
        raise Invalid("The adjudication is not complete: see the marked fields.", fields=errors)
    percent = scoring.attempt_percent([finals[str(ctx.item_id)]["fraction"] for ctx in items])
    before = {
        "score_percent": outcome.score_percent,
        "recommendation": outcome.recommendation,
        "items": await item_fractions(session, attempt_id),
    }
    values = {
        "settled_at": clock.now(),
        "score_percent": percent,
        "recommendation": form["recommendation"],
        "items": finals,
        "reason": form["reason"].strip(),
        "before": before,
    }
    if not await adj_lifecycle.settle(session, attempt_id, user.id, values):
        adj = await adjudication_of(session, attempt_id)
        if adj is not None and adj.status == adj_lifecycle.S.settled:
            raise Conflict("This disagreement is already settled.", reason="settled")
        if adj is not None and adj.adjudicator_id is None:  # given back (e.g. from another tab)
            raise Conflict(
                "Nobody holds this disagreement now (you or its adjudicator gave it back): "
                "claim it again to settle it.",
                reason="not_claimed",
            )
        if adj is not None and adj.adjudicator_id != user.id:
            raise Conflict("Another adjudicator holds this disagreement now.", reason="taken")
        raise Conflict("Claim the disagreement before settling it.", reason="not_claimed")
    await session.execute(
        update(ReviewOutcome)
        .where(ReviewOutcome.attempt_id == attempt_id)
        .values(score_percent=percent, recommendation=form["recommendation"])
        .execution_options(synchronize_session=False)
    )
    after = {"score_percent": percent, "recommendation": form["recommendation"], "items": finals}
    detail = {"before": before, "after": after, "reason": values["reason"]}
    await audit(
        session, "adjudication_settled", actor_id=user.id, subject=str(attempt_id), ip=ip, detail=detail
    )
    if fmt.auto_release and attempt.state == AttemptState.reviewed:
        await delivery.release_now(session, attempt_id, released_by=None)
    elif attempt.state == AttemptState.released:  # the candidate already read the first aggregate
        await notify.feedback_changed(
            session,
            EventKind.feedback_adjudicated,
            attempt.user_id,
            attempt_id=attempt_id,
            format_title=fmt.title,
        )
    adj = await adjudication_of(session, attempt_id)
    assert adj is not None
    return adj


# ---- what the candidate sees ---------------------------------------------------------------------


def apply_to_feedback(
    ctx: dict[str, Any], adj: Adjudication | None, *, show_originals: bool
) -> dict[str, Any]:
    """The feedback page's context with the adjudicated scores in place of the reviewers' means;
    without `show_originals` the original reviews (summaries, comments, levels) are left out."""
    if adj is None:
        return {**ctx, "adjudication": None, "show_originals": True}
    out_items = []
    for it in ctx["items"]:
        final = adj.items.get(str(it["v"].ctx.item_id)) or {}
        it = dict(it)
        if final and it["fraction"] is not None:
            it["fraction"] = final["fraction"]
        criteria = []
        for c, crit in enumerate(it["criteria"]):
            levels, points = final.get("levels", []), final.get("points", [])
            chosen = [(ADJUDICATOR, levels[c])] if c < len(levels) else []
            criteria.append(
                {
                    **crit,
                    "mean": points[c] if c < len(points) else crit["mean"],
                    "chosen": chosen + (crit["chosen"] if show_originals else []),
                }
            )
        it["criteria"] = criteria
        if not show_originals:
            it.update(comments=[], comments_md=[], overrides=[], misconceptions=[], key_points=[])
        out_items.append(it)
    out = {**ctx, "items": out_items, "adjudication": adj, "show_originals": show_originals}
    if not show_originals:
        out["reviews"] = []
    return out


def review_items_by_item(items: list[ReviewItem]) -> dict[uuid.UUID, dict[uuid.UUID, ReviewItem]]:
    found: dict[uuid.UUID, dict[uuid.UUID, ReviewItem]] = {}
    for ri in items:
        found.setdefault(ri.item_id, {})[ri.review_id] = ri
    return found
