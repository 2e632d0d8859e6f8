"""Practice mode: answer a published question without a clock and learn from it at once.

Objective kinds are graded on submit and show the kind's outcome (per-option feedback, …) and the
worked reference answer; a mentor-graded kind (free text) asks the candidate to score themselves on
the rubric first and only then reveals the rubric's key points and the reference answer. Every try
is stored (practice_answer); self-scores feed calibration once a mentor has scored the same question
(app/calibration).
Flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import User
from app.calibration.service import parse_levels
from app.errors import Conflict, Invalid, NotFound
from app.kit import clock
from app.practice import answering
from app.practice.models import PracticeAnswer
from app.questions import kinds
from app.questions.models import Question, QuestionVersion
from app.reviews.rules import effective_rubric


@dataclass
class Outcome:
    """What the page shows after a try."""

    answer: PracticeAnswer
    version: QuestionVersion
    score: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    revealed: bool = False


def criteria_of(version: QuestionVersion) -> list[dict[str, Any]]:
    return list(effective_rubric(version.rubric)["criteria"])


async def submit(
    session: AsyncSession,
    user: User,
    question: Question,
    version: QuestionVersion,
    form: Mapping[str, Any],
) -> Outcome:
    """Store one try; grade it at once when the kind is objective."""
    seed = answering.seed_of(version, form)
    value = answering.parse(version, form)
    score = answering.grade(version, value, seed)
    row = PracticeAnswer(
        user_id=user.id,
        question_id=question.id,
        version_id=version.id,
        kind=version.kind,
        seed=seed,
        value=value,
        score=score,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    details = answering.details(version, value, seed) if score is not None else {}
    return Outcome(row, version, score, details, criteria_of(version))


async def own_answer(session: AsyncSession, user: User, answer_id: uuid.UUID) -> PracticeAnswer:
    row = await session.get(PracticeAnswer, answer_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such practice answer.")
    return row


async def self_score(
    session: AsyncSession, user: User, answer_id: uuid.UUID, form: Mapping[str, str]
) -> Outcome:
    """The candidate's own levels on the rubric; afterwards the rubric and reference are revealed."""
    row = await own_answer(session, user, answer_id)
    version = await session.get(QuestionVersion, row.version_id)
    if version is None or kinds.get(row.kind).objective:
        raise NotFound("No such practice answer.")
    criteria = criteria_of(version)
    levels = parse_levels(dict(form), criteria)
    if any(level is None for level in levels):
        missing = {f"level-{c}": "Pick a level." for c, level in enumerate(levels) if level is None}
        raise Invalid("Score yourself on every criterion before the answer is revealed.", fields=missing)
    wanted = [int(level) for level in levels if level is not None]
    # a prediction made before the reveal: set once (a second tab or a replayed form after the
    # reveal would otherwise rewrite it with hindsight); the same levels again are a repeat
    stored = (
        await session.execute(
            update(PracticeAnswer)
            .where(PracticeAnswer.id == row.id, PracticeAnswer.self_levels.is_(None))
            .values(self_levels=wanted)
            .returning(PracticeAnswer.self_levels)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if stored is None:
        stored = (
            await session.execute(select(PracticeAnswer.self_levels).where(PracticeAnswer.id == row.id))
        ).scalar_one()
        if stored != wanted:
            raise Conflict(
                "You already scored yourself on this answer; a prediction cannot change after the reveal."
            )
    set_committed_value(row, "self_levels", stored)  # as stored: nothing left to flush
    return Outcome(row, version, None, {}, criteria, revealed=True)
