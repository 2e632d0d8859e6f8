"""The bulk synthetic generator (tests, benchmark) makes the same rows as the service's generator."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.questions.bulk import ShapeRenderer, bulk_synthetic
from app.questions.models import Question, QuestionVersion, Topic
from app.questions.rendering import render_markdown
from app.questions.seeding import generate_synthetic, synthetic_docs
from app.questions.service import render_version

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


def test_rendering_once_per_shape_gives_the_same_html() -> None:
    """The bulk path renders each shape of synthetic text once and puts the words back: every
    kind, every formula, every field comes out as a real render would make it."""
    shapes = ShapeRenderer()
    docs = list(synthetic_docs(["optimisation/gradient-descent"], 0, 300))
    assert {d.kind for d in docs} == {"free_text", "single_choice", "multiple_choice", "numeric"}
    for doc in docs:
        assert render_version(doc, markdown=shapes) == render_version(doc)
    assert 0 < len(shapes.shapes) < 30  # rendered once per shape, not once per question
    # text Markdown gives a meaning to is rendered for real
    for source in ("1. first\n2. second", "*kernel* bias", "a <b> & c", "x_1 and x_2", "$x^2$ at 3"):
        assert shapes(source) == render_markdown(source)
