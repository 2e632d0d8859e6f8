"""The bulk synthetic generator (tests, benchmark) makes the same rows as the service's generator."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.questions.bulk import bulk_synthetic
from app.questions.models import Question, QuestionVersion, Topic
from app.questions.seeding import generate_synthetic

pytestmark = pytest.mark.anyio
COLUMNS = (
    "number",
    "title",
    "kind",
    "prompt",
    "prompt_html",
    "reference_answer",
    "reference_html",
    "data",
    "rubric",
    "follow_ups",
    "hints",
    "difficulty",
    "estimated_minutes",
    "tags",
    "provenance",
    "content_hash",
)


async def _snapshot(s) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    rows = await s.execute(
        select(Question.external_id, Question.status, Question.version_count, Topic.slug, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Topic, Topic.id == Question.topic_id)
        .order_by(Question.external_id)
    )
    return [
        (ext, status, n, topic, *(getattr(v, c) for c in COLUMNS)) for ext, status, n, topic, v in rows.all()
    ]


async def test_bulk_rows_equal_service_rows(db) -> None:
    async with db() as s:
        await generate_synthetic(s, 25)
        await s.flush()
        slow = await _snapshot(s)
        await s.execute(delete(Question))
        await bulk_synthetic(s, 25)
        fast = await _snapshot(s)
        await s.rollback()
    assert len(slow) == 25 and slow == fast
