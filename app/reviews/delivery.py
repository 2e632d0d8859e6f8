"""Feedback once the reviews are in: released to the candidate (explicitly by a mentor who reviewed
the attempt or an admin, or automatically when the format says so: InterviewFormat.auto_release,
by the submit that completes the set), un-blinded by an admin, rated by the candidate.
Flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.auth.service import audit
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import EventKind
from app.interviews import lifecycle
from app.interviews.models import Attempt, InterviewFormat
from app.kit import clock
from app.reviews import notify
from app.reviews.models import FeedbackRating, Review, ReviewOutcome


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
    title = fmt.title if fmt else "your interview"
    await notify.feedback_changed(
        session, EventKind.feedback_released, candidate_id, attempt_id=attempt_id, format_title=title
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
