"""Rules and writes for reviews: claim, autosave, submit, release. Flush, never commit.

Concurrency: every change that depends on how many reviews an attempt has (claim, a renewed
claim, the submit that completes the set) first locks the attempt row, so two mentors at the
same moment are serialised per attempt. "Claim next" takes the oldest unlocked attempt with a free
place; when every such row is locked by other claimers it waits for the oldest one (their claim
may leave a place free) instead of answering "nothing to claim" while places are free.

Release is explicit (a mentor who reviewed the attempt, or an admin), or automatic when the
format says so (InterviewFormat.auto_release): the submit that completes the set releases.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.auth.service import audit
from app.config import get_settings
from app.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from app.interviews import lifecycle, text_save
from app.interviews.models import Attempt, AttemptItem, InterviewFormat
from app.kit import clock
from app.questions import kinds
from app.questions.models import QuestionVersion
from app.questions.rendering import render_markdown_lenient
from app.reviews import anchors, notify, repository, rules
from app.reviews import lifecycle as review_lifecycle
from app.reviews.models import FeedbackRating, Review, ReviewItem, ReviewOutcome
from app.reviews.schemas import DraftOutcome, ItemDraft, ReviewDraft, too_long

# A bound on the attempts one "claim next" looks at; each one looked at and found full is skipped,
# so the loop ends anyway when the selection runs out.
CLAIM_ATTEMPTS = 50
# how long "claim next" waits for another mentor's claim on the same attempt to commit
CLAIM_LOCK_TIMEOUT = "3s"


class ClaimExpired(Conflict):
    reason = "expired"


class StaleDraft(Conflict):
    reason = "stale"


def _expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=get_settings().claim_minutes)


# ---- claims --------------------------------------------------------------------------------------


async def claim_next(
    session: AsyncSession,
    mentor: User,
    *,
    format_id: uuid.UUID | None = None,
    topic_id: int | None = None,
) -> Review | None:
    """Assign the oldest attempt that still needs a review to this mentor; None when there is none."""
    # an anchor may be this claim's (app/reviews/anchors.py); the calibration set ignores the filter
    if (await anchors.prepare(session, mentor.id, repository.HEAD)).onboarding:
        format_id = topic_id = None
    now = clock.now()
    skip: list[uuid.UUID] = []
    params = {"me": mentor.id, "now": now, "format_id": format_id, "topic_id": topic_id}
    for _ in range(CLAIM_ATTEMPTS):
        # Each look runs in a savepoint: rolling it back releases the lock on an attempt found
        # full, so a claimer never holds one row while waiting for another (no deadlock).
        look = await session.begin_nested()
        attempt_id = (await session.execute(repository.PICK, {**params, "skip": skip})).scalar()
        if attempt_id is None:
            # every available row is locked by other claimers: wait for the oldest one
            await session.execute(text(f"SET LOCAL lock_timeout = '{CLAIM_LOCK_TIMEOUT}'"))
            attempt_id = (await session.execute(repository.PICK_WAIT, {**params, "skip": skip})).scalar()
        if attempt_id is None:
            await look.rollback()
            return None
        cap = (await session.execute(repository.CAPACITY, {**params, "attempt_id": attempt_id})).one()
        if cap.free <= 0 or cap.user_id == mentor.id:
            await look.rollback()
            skip.append(attempt_id)
            continue
        review_id = await review_lifecycle.claim(
            session, attempt_id=attempt_id, mentor_id=mentor.id, now=now, expires_at=_expiry(now)
        )
        if review_id is None:  # pragma: no cover - PICK excludes live reviews of this mentor
            await look.rollback()
            skip.append(attempt_id)
            continue
        await lifecycle.take_for_review(session, attempt_id)
        await look.commit()
        await session.flush()
        found = await repository.review_with_attempt(session, review_id)
        assert found is not None
        return found[0]
    return None


async def claim_attempt(session: AsyncSession, mentor: User, attempt_id: uuid.UUID) -> Review:
    """Claim one given attempt (the interviewer of a live session reviewing the interview they ran,
    app/live): their own review of it if they have one, else a new claim while it needs a reviewer.
    Who may ask for which attempt is the caller's rule; the queue's rules (never one's own attempt,
    the format's reviewers_required) hold here too."""
    now = clock.now()
    await session.execute(repository.LOCK_ATTEMPT, {"attempt_id": attempt_id})
    mine = await repository.review_of(session, attempt_id, mentor.id)
    if mine is not None and mine.status == "submitted":
        return mine
    if mine is not None and mine.status == "claimed" and mine.expires_at > now:
        return mine
    cap = (
        await session.execute(repository.CAPACITY, {"me": mentor.id, "now": now, "attempt_id": attempt_id})
    ).one()
    if cap.user_id == mentor.id:
        raise Forbidden("You cannot review your own attempt.")
    if not (cap.needs_review and cap.counted and cap.state in lifecycle.REVIEWABLE):
        raise Conflict("This attempt has nothing to review yet: it is still running, or it needs no mentor.")
    if cap.free <= 0:
        raise Conflict("Enough mentors are already reviewing this attempt.")
    review_id = await review_lifecycle.claim(
        session, attempt_id=attempt_id, mentor_id=mentor.id, now=now, expires_at=_expiry(now)
    )
    if review_id is None:  # given back earlier: the queue does not hand it to them again either
        raise Conflict("You gave this review back; another mentor will take it from the queue.")
    await lifecycle.take_for_review(session, attempt_id)
    await session.flush()
    found = await repository.review_with_attempt(session, review_id)
    assert found is not None
    return found[0]


async def own_review(
    session: AsyncSession, mentor: User, review_id: uuid.UUID
) -> tuple[Review, Attempt, InterviewFormat]:
    """The mentor's own review with its attempt and format; 404 for anyone else's."""
    found = await repository.review_with_attempt(session, review_id)
    if found is None or found[0].reviewer_id != mentor.id or found[0].status == "released":
        raise NotFound("No such review.")
    return found


async def release_claim(session: AsyncSession, mentor: User, review_id: uuid.UUID) -> None:
    """Give a claim back to the queue (the draft is kept on the row but no longer counts)."""
    if not await review_lifecycle.give_back(session, review_id, mentor.id):
        await own_review(session, mentor, review_id)  # 404 when not theirs
        raise Conflict("This review is already submitted.")


async def _renew(session: AsyncSession, review: Review, now: datetime) -> None:
    """Take up an expired claim again if the attempt still has room (attempt row locked)."""
    await session.execute(repository.LOCK_ATTEMPT, {"attempt_id": review.attempt_id})
    cap = (
        await session.execute(
            repository.CAPACITY, {"me": review.reviewer_id, "now": now, "attempt_id": review.attempt_id}
        )
    ).one()
    if cap.free <= 0 or cap.state not in lifecycle.REVIEWABLE:
        raise ClaimExpired(
            "Your claim on this attempt expired and another mentor took it. Your draft was not saved."
        )
    await session.execute(
        update(Review)
        .where(Review.id == review.id, Review.status == "claimed")
        .values(expires_at=_expiry(now), claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    await lifecycle.take_for_review(session, review.attempt_id)


# ---- drafts --------------------------------------------------------------------------------------


async def save_draft(
    session: AsyncSession,
    mentor: User,
    review_id: uuid.UUID,
    *,
    draft: ReviewDraft,
    revision: int | None = None,
    base_revision: int | None = None,
    save_id: str | None = None,
) -> DraftOutcome:
    """Store a draft. Page (compare-and-swap, as answers): stored as `base_revision + 1` only when
    the stored revision is `base_revision`. API: `revision` is the client's counter, stored when
    newer. Either way the stored draft sent again is a no-op, and a page save whose `save_id` is
    among the recent ones (a retry, also one arriving after a newer save) gets the revision its
    original stored, as answers do (app/interviews/text_save.py); anything else is a 409 stale."""
    if base_revision is not None:
        low, revision = base_revision, base_revision + 1
    else:
        assert revision is not None
        low = 0
    try:
        review, _, _, _, draft = await _checked(session, mentor, review_id, draft, complete=False)
    except TextTooLong as exc:  # an autosave over a text's limit: 413, as answers' (docs/DEVELOPING.md)
        raise TooLarge(exc.message, fields=exc.fields) from exc
    now = clock.now()
    expires_at = _expiry(now)
    value = draft.model_dump(mode="json")
    params: dict[str, object] = {
        "review_id": review_id,
        "me": mentor.id,
        "now": now,
        "expires_at": expires_at,
        "low": low,
        "revision": revision,
        "draft": json.dumps(value, separators=(",", ":")),
        "save_id": save_id,
        "recent": text_save.RECENT_SAVES,
    }
    if (await session.execute(repository.SAVE_DRAFT, params)).scalar() is not None:
        return DraftOutcome("saved", revision, now, expires_at)
    await session.refresh(review)
    if review.status == "submitted":
        raise Conflict("This review is already submitted; the draft was not saved.", reason="closed")
    if save_id is not None and save_id in review.recent_saves:  # a retry: its original's answer
        return DraftOutcome("saved", review.recent_saves[save_id], None, review.expires_at)
    # a retry of a save that was stored (its reply was lost), or the same draft from another tab
    if revision == review.revision and review.draft == value:
        return DraftOutcome("unchanged", revision, None, review.expires_at)
    if not low <= review.revision < revision:
        raise StaleDraft(
            "This review was changed in another tab. Reload to see the latest saved draft.",
            extra={"revision": review.revision, "saved_at": review.saved_at and review.saved_at.isoformat()},
        )
    # the claim expired: renew it when nobody took the place, then store
    await _renew(session, review, now)
    if (await session.execute(repository.SAVE_DRAFT, params)).scalar() is None:  # pragma: no cover
        raise StaleDraft("This review was changed in another tab. Reload to see the latest saved draft.")
    return DraftOutcome("saved", revision, now, expires_at)


# ---- submit --------------------------------------------------------------------------------------


def item_context(item: AttemptItem, version: QuestionVersion) -> rules.ItemContext:
    """What the review rules need of one pinned item (its effective rubric, counts, points)."""
    return rules.ItemContext(
        item_id=item.id,
        kind=item.kind,
        max_points=item.max_points,
        auto_points=item.score,
        rubric=rules.effective_rubric(version.rubric) if not kinds.get(item.kind).objective else {},
        follow_up_count=len(version.follow_ups or []),
        hint_count=len(version.hints or []),
    )


async def contexts(session: AsyncSession, attempt_id: uuid.UUID) -> list[rules.ItemContext]:
    return [
        item_context(item, version) for item, version, _, _ in await repository.items(session, attempt_id)
    ]


class TextTooLong(Invalid):
    """A review text over its limit: 422 for a submitted form (re-rendered with the field's
    message); `save_draft` answers 413 instead, as every autosave does."""


async def _checked(
    session: AsyncSession, mentor: User, review_id: uuid.UUID, draft: ReviewDraft, *, complete: bool
) -> tuple[Review, Attempt, InterviewFormat, list[rules.ItemContext], ReviewDraft]:
    """The mentor's own review and the draft normalised to its items; 422 when a field is invalid
    (`complete`: every required field is there too, for a submit, and 409 once submitted)."""
    review, attempt, fmt = await own_review(session, mentor, review_id)
    if complete and review.status == "submitted":
        raise Conflict("This review is already submitted.")
    if long := too_long(draft):
        limit = max(long.values())
        raise TextTooLong(
            f"A text is longer than its limit of {limit:,} characters: see the marked fields. Nothing was saved.",
            fields={name: f"At most {n:,} characters." for name, n in long.items()},
        )
    items = await contexts(session, attempt.id)
    draft = rules.normalised(draft, items)
    errors = rules.check(draft, items, complete=complete)
    if errors:
        what = "The review is not complete" if complete else "The draft is not valid"
        raise Invalid(f"{what}: see the marked fields.", fields=errors)
    return review, attempt, fmt, items, draft


async def submit_review(
    session: AsyncSession, mentor: User, review_id: uuid.UUID, draft: ReviewDraft
) -> Review:
    """Validate every required field, store the per-item verdicts, and complete the attempt's set."""
    review, attempt, fmt, items, draft = await _checked(session, mentor, review_id, draft, complete=True)
    now = clock.now()
    await session.execute(repository.LOCK_ATTEMPT, {"attempt_id": attempt.id})
    await session.refresh(review)
    if review.status != "claimed":
        raise Conflict("This review is no longer open.")
    if review.expires_at <= now:
        await _renew(session, review, now)
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
        await release_now(session, attempt_id, released_by=None)


# ---- release, un-blinding, ratings -----------------------------------------------------------------


async def release_feedback(session: AsyncSession, user: User, attempt_id: uuid.UUID) -> Attempt:
    """Show the feedback to the candidate (once): an admin, or a mentor who reviewed the attempt."""
    attempt = await session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    if not user.is_admin:
        mine = await session.execute(
            select(Review.id).where(
                Review.attempt_id == attempt_id, Review.reviewer_id == user.id, Review.status == "submitted"
            )
        )
        if mine.scalar() is None:
            raise NotFound("No such attempt.")
    if not await release_now(session, attempt_id, released_by=user.id):
        await session.refresh(attempt)
        if attempt.state == lifecycle.AttemptState.released:
            raise Conflict("The feedback is already released.")
        raise Conflict("Not every required review is submitted yet.")
    await session.refresh(attempt)
    return attempt


async def release_now(session: AsyncSession, attempt_id: uuid.UUID, *, released_by: uuid.UUID | None) -> bool:
    """reviewed → released exactly once (a conditional update), and notify the candidate."""
    now = clock.now()
    row = await lifecycle.release(session, attempt_id)
    if row is None:
        return False
    candidate_id, format_id = row
    await session.execute(
        update(ReviewOutcome)
        .where(ReviewOutcome.attempt_id == attempt_id)
        .values(released_at=now, released_by=released_by)
        .execution_options(synchronize_session=False)
    )
    fmt = await session.get(InterviewFormat, format_id)
    await notify.feedback_released(
        session, candidate_id, attempt_id=attempt_id, format_title=fmt.title if fmt else "your interview"
    )
    return True


async def unblind(session: AsyncSession, admin: User, attempt_id: uuid.UUID, *, ip: str | None) -> User:
    """An admin reveals who took a blind-reviewed attempt (audited)."""
    if not admin.is_admin:
        raise Forbidden("Only admins can un-blind a review.")
    attempt = await session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    candidate = await session.get(User, attempt.user_id)
    assert candidate is not None
    detail, subject = {"attempt_id": str(attempt_id)}, str(candidate.id)
    await audit(session, "review_unblinded", actor_id=admin.id, subject=subject, ip=ip, detail=detail)
    return candidate


async def rate_feedback(
    session: AsyncSession, user: User, attempt: Attempt, *, rating: int, comment: str
) -> FeedbackRating:
    """The candidate rates the released feedback (1–5); rating again replaces it."""
    if not 1 <= rating <= 5:
        raise Invalid("Rate from 1 to 5.", fields={"rating": "Choose 1 to 5."})
    if len(comment) > 2_000:
        raise Invalid("The comment is too long.", fields={"comment": "At most 2000 characters."})
    values = {"rating": rating, "comment": comment.strip(), "rated_at": clock.now()}
    # one statement, not read-then-insert: two tabs rating at once both land (the later one wins)
    # where the second insert hit the primary key (500)
    stmt = (
        insert(FeedbackRating)
        .values(attempt_id=attempt.id, user_id=user.id, **values)
        .on_conflict_do_update(index_elements=[FeedbackRating.attempt_id], set_=values)
        .returning(FeedbackRating)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one()


async def current_rating(session: AsyncSession, attempt_id: uuid.UUID) -> FeedbackRating | None:
    return await session.get(FeedbackRating, attempt_id)
