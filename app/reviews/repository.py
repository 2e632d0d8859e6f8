"""Queries for the review queue, claims and reviews.

A review "counts" towards an attempt's reviewers_required while it is submitted or an unexpired
claim; ACTIVE below is that condition in SQL. Candidates' names come out of these queries only
for formats that are not blind (the CASE in QUEUE), so a blind name never reaches a mentor's page.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.interviews.models import Answer, Attempt, AttemptItem, InterviewFormat
from app.questions.models import Question, QuestionVersion, Topic
from app.reviews.models import Adjudication, FeedbackRating, Review, ReviewItem, ReviewOutcome

ACTIVE = "(r.status = 'submitted' OR (r.status = 'claimed' AND r.expires_at > :now))"
REVIEWABLE = "a.needs_review AND a.counted AND a.state IN ('submitted','expired','in_review')"
# attempts this mentor may take: not their own, capacity left, no review of theirs other than an
# expired claim (which they may take up again with its draft), optional format/topic filters.
# A real attempt with a free place, or an anchor presented to this mentor (app/reviews/anchors.py:
# a stand-in attempt listed in their queue only, looking like any other).
_REAL = f"""
    {REVIEWABLE}
    AND a.user_id <> :me
    AND (SELECT count(*) FROM review r WHERE r.attempt_id = a.id AND {ACTIVE}) < f.reviewers_required"""  # noqa: S608
_PRESENTED = "EXISTS (SELECT 1 FROM anchor_presentation p WHERE p.attempt_id = a.id AND p.mentor_id = :me)"
_NOT_MINE_YET = """NOT EXISTS (
        SELECT 1 FROM review r WHERE r.attempt_id = a.id AND r.reviewer_id = :me
          AND NOT (r.status = 'claimed' AND r.expires_at <= :now))"""
_AVAILABLE = f"""
    (({_REAL}) OR {_PRESENTED})
    AND {_NOT_MINE_YET}
    AND (CAST(:format_id AS uuid) IS NULL OR a.format_id = CAST(:format_id AS uuid))
    AND (CAST(:topic_id AS integer) IS NULL OR EXISTS (
        SELECT 1 FROM attempt_item i JOIN question q ON q.id = i.question_id JOIN topic t ON t.id = q.topic_id
        WHERE i.attempt_id = a.id AND (t.id = CAST(:topic_id AS integer) OR t.parent_id = CAST(:topic_id AS integer))))
"""  # noqa: S608 - constants only; values are bound parameters
# the oldest real attempt this mentor could claim now (where an anchor presentation is put before)
HEAD = f"SELECT min(a.finished_at) FROM attempt a JOIN interview_format f ON f.id = a.format_id WHERE {_REAL} AND {_NOT_MINE_YET}"  # noqa: S608

QUEUE = text(
    f"""
SELECT a.id AS attempt_id, f.title AS format_title, f.blind_review, a.finished_at,
       f.reviewers_required,
       (SELECT count(*) FROM review r WHERE r.attempt_id = a.id AND r.status = 'submitted') AS reviews_done,
       CASE WHEN f.blind_review THEN NULL ELSE u.display_name END AS candidate_name,
       ARRAY(SELECT DISTINCT t.name FROM attempt_item i JOIN question q ON q.id = i.question_id
             JOIN topic t ON t.id = q.topic_id WHERE i.attempt_id = a.id ORDER BY t.name) AS topics
FROM attempt a JOIN interview_format f ON f.id = a.format_id JOIN app_user u ON u.id = a.user_id
WHERE {_AVAILABLE}
ORDER BY a.finished_at, a.id
LIMIT :limit
"""  # noqa: S608 - constants only; values are bound parameters
)

# Claim next: lock one available attempt row. An attempt where this mentor has an expired claim
# comes first (they get their draft back). PICK skips rows another mentor is claiming right now;
# PICK_WAIT is the same pick waiting for them (used when PICK found every one locked).
# FOR NO KEY UPDATE, never FOR UPDATE: claimers still exclude each other on the row, but a foreign
# key check on it (KEY SHARE: the analytics refresher inserting the attempt's facts, an answer, an
# adjudication) is not blocked. With FOR UPDATE a claim and the refresher deadlocked: the claim held
# the row and its state change's trigger waited on the refresher's taken `analytics_dirty` row,
# while the refresher's `an_item` insert waited on the claim's row (tests/reviews/test_claim_deadlock.py).
_PICK = f"""
SELECT a.id FROM attempt a JOIN interview_format f ON f.id = a.format_id
WHERE {_AVAILABLE} AND NOT (a.id = ANY(CAST(:skip AS uuid[])))
ORDER BY EXISTS (SELECT 1 FROM review r WHERE r.attempt_id = a.id AND r.reviewer_id = :me) DESC,
         a.finished_at, a.id
LIMIT 1
FOR NO KEY UPDATE OF a"""  # noqa: S608 - constants only; values are bound parameters
PICK = text(_PICK + " SKIP LOCKED")
PICK_WAIT = text(_PICK)

# Re-checked in a new statement once the attempt row is locked: READ COMMITTED gives it a fresh
# snapshot, so it sees claims committed after PICK's snapshot was taken.
CAPACITY = text(
    f"""
SELECT f.reviewers_required - (SELECT count(*) FROM review r WHERE r.attempt_id = a.id AND {ACTIVE}
                                 AND r.reviewer_id <> :me) AS free,
       a.state, a.needs_review, a.counted, a.user_id
FROM attempt a JOIN interview_format f ON f.id = a.format_id WHERE a.id = :attempt_id
"""  # noqa: S608 - constants only; values are bound parameters
)

# the claim's lock on one attempt (FOR NO KEY UPDATE, as PICK: foreign-key checks pass)
LOCK_ATTEMPT = text("SELECT id FROM attempt WHERE id = :attempt_id FOR NO KEY UPDATE")

# the autosave fast path: the draft is stored when the stored revision is in [low, revision) and the
# claim is live (compare-and-swap: low = revision - 1; the API's client counter: low = 0)
SAVE_DRAFT = text(
    """
UPDATE review SET draft = CAST(:draft AS jsonb), revision = :revision, saved_at = :now, expires_at = :expires_at,
    recent_saves = CASE WHEN CAST(:save_id AS text) IS NULL THEN recent_saves ELSE (
        SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) FROM (
            SELECT key, value FROM jsonb_each(
                recent_saves || jsonb_build_object(CAST(:save_id AS text), CAST(:revision AS bigint)))
            ORDER BY value::bigint DESC LIMIT :recent
        ) e) END
WHERE id = :review_id AND reviewer_id = :me AND status = 'claimed' AND expires_at > :now
  AND revision >= :low AND revision < :revision
RETURNING revision
"""
)

COUNTS = text(
    f"""
SELECT a.state, count(*) AS n FROM attempt a
WHERE a.needs_review AND a.counted AND a.state <> 'in_progress'
GROUP BY a.state
UNION ALL
SELECT 'needs_reviews', count(*) FROM attempt a JOIN interview_format f ON f.id = a.format_id
WHERE {REVIEWABLE}
  AND (SELECT count(*) FROM review r WHERE r.attempt_id = a.id AND {ACTIVE}) < f.reviewers_required
"""  # noqa: S608 - constants only; values are bound parameters
)


def _params(
    me: uuid.UUID, now: datetime, format_id: uuid.UUID | None, topic_id: int | None
) -> dict[str, Any]:
    return {"me": me, "now": now, "format_id": format_id, "topic_id": topic_id}


async def queue(
    session: AsyncSession,
    *,
    me: uuid.UUID,
    now: datetime,
    format_id: uuid.UUID | None = None,
    topic_id: int | None = None,
    limit: int = 100,
) -> list[Row[Any]]:
    params = {**_params(me, now, format_id, topic_id), "limit": limit}
    return list((await session.execute(QUEUE, params)).all())


async def counts(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in (await session.execute(COUNTS, {"now": now})).all()}


async def my_reviews(session: AsyncSession, me: uuid.UUID) -> list[tuple[Review, Attempt, InterviewFormat]]:
    stmt = (
        select(Review, Attempt, InterviewFormat)
        .join(Attempt, Attempt.id == Review.attempt_id)
        .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
        .where(Review.reviewer_id == me, Review.status.in_(("claimed", "submitted")))
        .order_by(Review.claimed_at.desc())
        .limit(100)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def review_with_attempt(
    session: AsyncSession, review_id: uuid.UUID
) -> tuple[Review, Attempt, InterviewFormat] | None:
    stmt = (
        select(Review, Attempt, InterviewFormat)
        .join(Attempt, Attempt.id == Review.attempt_id)
        .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
        .where(Review.id == review_id)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1], row[2]) if row else None


async def review_of(session: AsyncSession, attempt_id: uuid.UUID, reviewer_id: uuid.UUID) -> Review | None:
    """This mentor's review row of this attempt (any status), read afresh."""
    stmt = (
        select(Review)
        .where(Review.attempt_id == attempt_id, Review.reviewer_id == reviewer_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def items(
    session: AsyncSession, attempt_id: uuid.UUID
) -> list[tuple[AttemptItem, QuestionVersion, Answer | None, str]]:
    """Items in order with the pinned version, the stored answer and the topic name (one query)."""
    stmt = (
        select(AttemptItem, QuestionVersion, Answer, Topic.name)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.version_id)
        .join(Question, Question.id == AttemptItem.question_id)
        .join(Topic, Topic.id == Question.topic_id)
        .outerjoin(Answer, Answer.item_id == AttemptItem.id)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    )
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(stmt)).all()]


async def submitted_reviews(session: AsyncSession, attempt_id: uuid.UUID) -> list[Review]:
    stmt = (
        select(Review)
        .where(Review.attempt_id == attempt_id, Review.status == "submitted")
        .order_by(Review.submitted_at, Review.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def review_items(session: AsyncSession, review_ids: list[uuid.UUID]) -> list[ReviewItem]:
    if not review_ids:
        return []
    stmt = select(ReviewItem).where(ReviewItem.review_id.in_(review_ids))
    return list((await session.execute(stmt)).scalars())


async def count_submitted(session: AsyncSession, attempt_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(Review.attempt_id == attempt_id, Review.status == "submitted")
    return int((await session.execute(stmt)).scalar_one())


# ---- what the pages and views read (no queries in routes or views) ---------------------------------


async def filter_choices(session: AsyncSession) -> dict[str, list[Any]]:
    """The queue filter's options (rows with .id and .title / .name): formats by title, areas in order."""
    formats = await session.execute(select(InterviewFormat.id, InterviewFormat.title).order_by("title"))
    areas = await session.execute(
        select(Topic.id, Topic.name).where(Topic.parent_id.is_(None)).order_by(Topic.position)
    )
    return {"formats": list(formats.all()), "areas": list(areas.all())}


async def attempt_with_format(
    session: AsyncSession, attempt_id: uuid.UUID
) -> tuple[Attempt, InterviewFormat] | None:
    stmt = (
        select(Attempt, InterviewFormat)
        .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
        .where(Attempt.id == attempt_id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def format_of(session: AsyncSession, attempt: Attempt) -> InterviewFormat:
    fmt = await session.get(InterviewFormat, attempt.format_id)
    assert fmt is not None  # a foreign key
    return fmt


async def display_names(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows.all()}


async def outcome(session: AsyncSession, attempt_id: uuid.UUID) -> ReviewOutcome | None:
    return await session.get(ReviewOutcome, attempt_id)


async def rating(session: AsyncSession, attempt_id: uuid.UUID) -> FeedbackRating | None:
    return await session.get(FeedbackRating, attempt_id)


async def flagged_outcomes(
    session: AsyncSession, *, limit: int = 200
) -> list[tuple[ReviewOutcome, Attempt, str, str | None]]:
    """Attempts whose reviewers disagreed, newest first, with the format's title and the
    adjudication's status (None: not claimed yet)."""
    stmt = (
        select(ReviewOutcome, Attempt, InterviewFormat.title, Adjudication.status)
        .join(Attempt, Attempt.id == ReviewOutcome.attempt_id)
        .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
        .outerjoin(Adjudication, Adjudication.attempt_id == ReviewOutcome.attempt_id)
        .where(ReviewOutcome.flagged)
        .order_by(ReviewOutcome.computed_at.desc())
        .limit(limit)
    )
    return [(r[0], r[1], r[2], r[3]) for r in (await session.execute(stmt)).all()]


async def recent_ratings(session: AsyncSession, *, limit: int = 200) -> list[tuple[FeedbackRating, str]]:
    """Candidates' ratings of their feedback, newest first, with the format's title."""
    stmt = (
        select(FeedbackRating, InterviewFormat.title)
        .join(Attempt, Attempt.id == FeedbackRating.attempt_id)
        .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
        .order_by(FeedbackRating.rated_at.desc())
        .limit(limit)
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]
