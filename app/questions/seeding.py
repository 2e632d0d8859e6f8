"""Loading the seed bank (idempotent) and generating a synthetic bank for tests and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.questions.models import Question, QuestionVersion
from app.questions.native import Kind, NumericAnswer, Option, QuestionDoc
from app.questions.seedcheck import load_all_questions, load_areas
from app.questions.service import add_version, content_hash, create_question, ensure_topics


@dataclass
class SeedReport:
    topics_created: int = 0
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"seed: {self.created} questions created, {self.new_versions} new versions, "
            f"{self.unchanged} unchanged, {self.topics_created} topics created"
        )


async def load_seed(session: AsyncSession) -> SeedReport:
    """Create missing seed questions (published); a changed file creates a new version."""
    report = SeedReport(topics_created=await ensure_topics(session, load_areas()))
    docs = load_all_questions()
    ids = [d.external_id for d in docs]
    existing = {
        q.external_id: (q, h)
        for q, h in (
            await session.execute(
                select(Question, QuestionVersion.content_hash)
                .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                .where(Question.external_id.in_(ids))
            )
        ).all()
    }
    for doc in docs:
        found = existing.get(doc.external_id)
        if found is None:
            await create_question(session, doc, author_id=None, status="published")
            report.created += 1
        elif found[1] != content_hash(doc):
            await add_version(session, found[0], doc, author_id=None)
            report.new_versions += 1
        else:
            report.unchanged += 1
    return report


# fixed, so that a new kind never changes the synthetic bank
SYNTHETIC_KINDS = (Kind.free_text, Kind.single_choice, Kind.multiple_choice, Kind.numeric)
WORDS = (
    "gradient descent momentum convex loss margin kernel entropy impurity variance bias estimator "
    "likelihood posterior prior regularisation shrinkage bootstrap validation leakage threshold "
    "calibration boosting bagging hyperplane eigenvalue hessian jacobian sample complexity"
).split()


def synthetic_docs(topics: list[str], start: int, count: int, *, seed: int = 7) -> Iterator[QuestionDoc]:
    """Synthetic question documents `synthetic-<start>` … (reproducible from `seed`)."""
    rng = random.Random(seed)
    for n in range(start, start + count):
        words = rng.sample(WORDS, 6)
        kind = rng.choice(SYNTHETIC_KINDS)
        yield QuestionDoc(
            external_id=f"synthetic-{n:06d}",
            topic=rng.choice(topics),
            title=f"Synthetic {n}: {' '.join(words[:3])}",
            kind=kind,
            prompt=f"Explain how {words[0]} relates to {words[1]} when $x_{{{n % 9}}}$ grows. "
            + " ".join(words),
            reference_answer=f"A reference discussing {words[2]} and {words[3]}.",
            options=[Option(text=f"{w} {n}", correct=i == 0) for i, w in enumerate(words[:4])]
            if kind in (Kind.single_choice, Kind.multiple_choice)
            else [],
            numeric=NumericAnswer(value=float(n), tolerance=0.5) if kind is Kind.numeric else None,
            difficulty=rng.randint(1, 3),
            estimated_minutes=rng.randint(2, 15),
            tags=sorted(set(rng.sample(WORDS, 2))),
        )


async def synthetic_start(session: AsyncSession) -> int:
    """How many synthetic questions exist: the next generated number."""
    stmt = select(func.count()).where(Question.external_id.like("synthetic-%"))
    return int((await session.execute(stmt)).scalar_one())


async def generate_synthetic(session: AsyncSession, count: int, *, seed: int = 7) -> int:
    """Add `count` synthetic published questions through the service (tests, small benchmarks).

    app.questions.bulk inserts the same documents much faster for 10,000-question runs.
    """
    areas = load_areas()
    await ensure_topics(session, areas)
    topics = [f"{a.slug}/{t.slug}" for a in areas for t in a.topics]
    for doc in synthetic_docs(topics, await synthetic_start(session), count, seed=seed):
        await create_question(session, doc, author_id=None, status="published")
    return count
