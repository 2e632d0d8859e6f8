"""A review's draft: checked against the attempt's items and autosaved (compare-and-swap, as
answers). Flush, never commit."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.errors import Conflict, Invalid, TooLarge
from app.interviews import text_save
from app.interviews.models import Attempt, AttemptItem, InterviewFormat
from app.kit import clock
from app.questions import kinds
from app.questions.models import QuestionVersion
from app.reviews import claims, repository, rules
from app.reviews.models import Review
from app.reviews.schemas import DraftOutcome, ReviewDraft, too_long


class StaleDraft(Conflict):
    reason = "stale"


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


async def checked(
    session: AsyncSession, mentor: User, review_id: uuid.UUID, draft: ReviewDraft, *, complete: bool
) -> tuple[Review, Attempt, InterviewFormat, list[rules.ItemContext], ReviewDraft]:
    """The mentor's own review and the draft normalised to its items; 422 when a field is invalid
    (`complete`: every required field is there too, for a submit, and 409 once submitted)."""
    review, attempt, fmt = await claims.own_review(session, mentor, review_id)
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
        review, _, _, _, draft = await checked(session, mentor, review_id, draft, complete=False)
    except TextTooLong as exc:  # an autosave over a text's limit: 413, as answers' (docs/DEVELOPING.md)
        raise TooLarge(exc.message, fields=exc.fields) from exc
    now = clock.now()
    expires_at = claims.expiry(now)
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
    await claims.renew(session, review, now)
    if (await session.execute(repository.SAVE_DRAFT, params)).scalar() is None:  # pragma: no cover
        raise StaleDraft("This review was changed in another tab. Reload to see the latest saved draft.")
    return DraftOutcome("saved", revision, now, expires_at)
