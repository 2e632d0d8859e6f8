"""Claims on reviews: take an attempt from the queue (or a given one), give it back, renew an
expired claim. Flush, never commit.

Concurrency: every change that depends on how many reviews an attempt has (claim, a renewed
claim, the submit that completes the set) first locks the attempt row, so two mentors at the
same moment are serialised per attempt. "Claim next" takes the oldest unlocked attempt with a free
place; when every such row is locked by other claimers it waits for the oldest one (their claim
may leave a place free) instead of answering "nothing to claim" while places are free.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.config import get_settings
from app.errors import Conflict, Forbidden, NotFound
from app.interviews import lifecycle
from app.interviews.models import Attempt, InterviewFormat
from app.kit import clock
from app.reviews import anchors, repository
from app.reviews import lifecycle as review_lifecycle
from app.reviews.models import Review

# A bound on the attempts one "claim next" looks at; each one looked at and found full is skipped,
# so the loop ends anyway when the selection runs out.
CLAIM_ATTEMPTS = 50
# how long "claim next" waits for another mentor's claim on the same attempt to commit
CLAIM_LOCK_TIMEOUT = "3s"


class ClaimExpired(Conflict):
    reason = "expired"


def expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=get_settings().claim_minutes)


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
            session, attempt_id=attempt_id, mentor_id=mentor.id, now=now, expires_at=expiry(now)
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
        session, attempt_id=attempt_id, mentor_id=mentor.id, now=now, expires_at=expiry(now)
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


async def renew(session: AsyncSession, review: Review, now: datetime) -> None:
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
        .values(expires_at=expiry(now), claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    await lifecycle.take_for_review(session, review.attempt_id)
