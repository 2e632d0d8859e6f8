"""Practice tests reuse the review fixtures (a bank with a rubric, formats) and add a choice question
with per-option feedback."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.questions.models import Question
from app.questions.native import Kind, Option, QuestionDoc
from app.questions.service import create_question
from tests.reviews.conftest import bank, make_format  # noqa: F401

FEEDBACK_DOC = QuestionDoc(
    external_id="pr-multi",
    topic="optimisation/gradient-descent",
    title="Which steps converge",
    kind=Kind.multiple_choice,
    prompt="For $f(x) = x^2$, which fixed step sizes make gradient descent converge?",
    options=[
        Option(text="$\\eta = 0.25$", correct=True, feedback="Yes: the factor is $1 - 2\\eta = 0.5$."),
        Option(
            text="$\\eta = 0.75$",
            correct=True,
            feedback="Yes: the factor is $-0.5$, it oscillates but shrinks.",
        ),
        Option(text="$\\eta = 1.5$", feedback="No: the factor is $-2$, the iterates blow up."),
    ],
    reference_answer="Convergence needs $|1 - 2\\eta| < 1$, i.e. $0 < \\eta < 1$.",
    difficulty=1,
)


@pytest.fixture
async def ids(db: async_sessionmaker[AsyncSession], bank: None) -> dict[str, uuid.UUID]:  # noqa: F811
    async with db() as s:
        await create_question(s, FEEDBACK_DOC, author_id=None, status="published")
        await s.commit()
        rows = (await s.execute(select(Question.external_id, Question.id))).all()
    return {ext: qid for ext, qid in rows if ext}
