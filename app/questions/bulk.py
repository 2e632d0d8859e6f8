"""A fast path to the synthetic bank for tests and benchmarks (10,000 questions in seconds).

Inserts the documents of `seeding.synthetic_docs`, rendered the same way as
`seeding.generate_synthetic` (which goes through `create_question` one at a time); a test
checks the two agree. Not
for real content: it skips the service's per-question checks.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit import clock
from app.questions.models import Question, QuestionVersion
from app.questions.repository import topic_tree
from app.questions.seedcheck import load_areas
from app.questions.seeding import synthetic_docs, synthetic_start
from app.questions.service import content_hash, ensure_topics, render_version

CHUNK = 1000


async def bulk_synthetic(session: AsyncSession, count: int, *, seed: int = 7) -> int:
    """Insert `count` published synthetic questions with multi-row INSERTs. Flushes, never commits."""
    areas = load_areas()
    await ensure_topics(session, areas)
    tree = await topic_tree(session)
    topic_ids = {t.path: t.id for t in tree.topics()}
    topics = [f"{a.slug}/{t.slug}" for a in areas for t in a.topics]
    start = await synthetic_start(session)
    now = clock.now()
    questions: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    for doc in synthetic_docs(topics, start, count, seed=seed):
        qid = uuid.uuid4()
        questions.append(
            {
                "id": qid,
                "external_id": doc.external_id,
                "topic_id": topic_ids[doc.topic],
                "status": "published",
                "version_count": 1,
                "updated_at": now,
            }
        )
        versions.append(
            {
                "id": uuid.uuid4(),
                "question_id": qid,
                "number": 1,
                "title": doc.title,
                "kind": doc.kind.value,
                "prompt": doc.prompt,
                "reference_answer": doc.reference_answer,
                "difficulty": doc.difficulty,
                "estimated_minutes": doc.estimated_minutes,
                "tags": list(doc.tags),
                "hints": list(doc.hints),
                "provenance": doc.provenance.model_dump(mode="json"),
                "content_hash": content_hash(doc),
                "author_id": None,
                **render_version(doc),
            }
        )
    for i in range(0, len(questions), CHUNK):
        await session.execute(insert(Question), questions[i : i + CHUNK])
        await session.execute(insert(QuestionVersion), versions[i : i + CHUNK])
    current = (
        select(QuestionVersion.id)
        .where(QuestionVersion.question_id == Question.id, QuestionVersion.number == 1)
        .scalar_subquery()
    )
    await session.execute(
        update(Question)
        .where(Question.current_version_id.is_(None), Question.external_id.like("synthetic-%"))
        .values(current_version_id=current)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return count
