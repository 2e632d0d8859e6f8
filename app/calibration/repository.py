"""Queries for self-assessment: the items a candidate may predict, and predictions paired with mentors."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.calibration.gaps import Pair
from app.calibration.models import SelfAssessment
from app.interviews.models import AttemptItem
from app.questions import kinds
from app.questions.models import QuestionVersion

# This candidate's mentor-graded (free-text) answers in released attempts with every submitted mentor's levels.
# A practice self-score counts only against a mentor's scoring of the same question (its latest);
# until then it waits (see `waiting_practice`).
PAIRS = text(
    """
WITH scored AS (
    SELECT i.id AS item_id, i.question_id, coalesce(a.finished_at, a.started_at) AS at,
           jsonb_agg(ri.levels ORDER BY r.submitted_at) AS mentors
    FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id
    JOIN review_item ri ON ri.item_id = i.id
    JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
    WHERE a.user_id = :me AND a.state = 'released' AND i.kind = ANY(CAST(:mentor_graded AS text[]))
    GROUP BY i.id, i.question_id, a.finished_at, a.started_at
), pairs AS (
    SELECT 'attempt' AS source, s.at, s.question_id, sa.levels AS predicted, s.mentors
    FROM scored s JOIN self_assessment sa ON sa.item_id = s.item_id
    UNION ALL
    SELECT 'practice', p.created_at, p.question_id, p.self_levels, m.mentors
    FROM practice_answer p
    JOIN LATERAL (SELECT s.mentors FROM scored s WHERE s.question_id = p.question_id
                  ORDER BY s.at DESC LIMIT 1) m ON true
    WHERE p.user_id = :me AND p.self_levels IS NOT NULL
)
SELECT pairs.source, pairs.at, pairs.predicted, pairs.mentors, coalesce(area.name, t.name) AS area
FROM pairs JOIN question q ON q.id = pairs.question_id JOIN topic t ON t.id = q.topic_id
LEFT JOIN topic area ON area.id = t.parent_id
ORDER BY pairs.at
"""
).bindparams(mentor_graded=kinds.mentor_graded())

WAITING = text(
    """
SELECT count(*) FROM practice_answer p
WHERE p.user_id = :me AND p.self_levels IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id
    JOIN review_item ri ON ri.item_id = i.id JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
    WHERE a.user_id = :me AND a.state = 'released' AND i.question_id = p.question_id)
"""
)


async def pairs(session: AsyncSession, user_id: uuid.UUID) -> list[Pair]:
    rows = (await session.execute(PAIRS, {"me": user_id})).all()
    return [Pair(r.area, r.at, r.source, list(r.predicted or []), list(r.mentors or [])) for r in rows]


async def waiting_practice(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Practice self-scores not yet counted: no mentor has scored this candidate on that question."""
    return int(await session.scalar(WAITING, {"me": user_id}) or 0)


async def free_text_items(
    session: AsyncSession, attempt_id: uuid.UUID
) -> list[tuple[AttemptItem, QuestionVersion, list[int | None] | None]]:
    """The attempt's mentor-graded (free-text) items in order, their versions and any stored prediction."""
    rows = (
        await session.execute(
            select(AttemptItem, QuestionVersion, SelfAssessment.levels)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.version_id)
            .outerjoin(SelfAssessment, SelfAssessment.item_id == AttemptItem.id)
            .where(AttemptItem.attempt_id == attempt_id, AttemptItem.kind.in_(kinds.mentor_graded()))
            .order_by(AttemptItem.position)
        )
    ).all()
    return [(r[0], r[1], list(r[2]) if r[2] is not None else None) for r in rows]


# Upsert guarded by the attempt's state, holding a share lock on the attempt row: a release that
# races this save waits for it, so no prediction is ever stored after the feedback was released.
UPSERT = text(
    """
WITH ok AS (
    SELECT i.id FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id
    WHERE a.id = :attempt AND a.user_id = :me AND i.id = :item AND i.kind = ANY(CAST(:mentor_graded AS text[]))
      AND a.state IN ('submitted', 'expired', 'in_review', 'reviewed') AND a.counted
    FOR SHARE OF a
)
INSERT INTO self_assessment (item_id, levels, saved_at)
SELECT id, CAST(:levels AS jsonb), :now FROM ok
ON CONFLICT (item_id) DO UPDATE SET levels = excluded.levels, saved_at = excluded.saved_at
RETURNING saved_at
"""
).bindparams(mentor_graded=kinds.mentor_graded())


async def upsert(session: AsyncSession, **params: Any) -> Any:
    return await session.scalar(UPSERT, params)
