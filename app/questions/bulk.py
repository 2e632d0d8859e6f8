"""A fast path to the synthetic bank for tests, benchmarks and `mlmock seed --synthetic N`
(100,000 questions in well under two minutes).

Inserts the documents of `seeding.synthetic_docs`, rendered the same way as
`seeding.generate_synthetic` (which goes through `create_question` one at a time); a test
checks the two agree. Not for real content: it skips the service's per-question checks.

Two things make it fast: the rows go in with COPY, and Markdown is rendered once per *shape*
of text (`ShapeRenderer`): synthetic texts differ only in their plain words and numbers, so
"Explain how kernel relates to bias when $x_{3}$ grows." renders like every other prompt
with the same formula, with the words put back afterwards.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit import clock
from app.questions.models import Question, QuestionVersion
from app.questions.rendering import render_markdown
from app.questions.repository import topic_tree
from app.questions.seedcheck import load_areas
from app.questions.seeding import synthetic_docs, synthetic_start
from app.questions.service import ensure_topics, render_version, version_values_from_doc

CHUNK = 5000
_MATH = re.compile(r"(\$\$.*?\$\$|\$[^$\n]*\$)", re.DOTALL)
_SAFE = re.compile(r"[A-Za-z0-9 .,:]*")  # text whose words Markdown cannot give a meaning to
_WORD = re.compile(r"\b(?:[a-z]+|[0-9]+)\b")
_LETTERS = re.compile(r"\b[a-z]+\b")
_SLOT = re.compile(r"zqslot([0-9]+)qz")


class ShapeRenderer:
    """render_markdown, memoised by the text with its plain lowercase words (and, in text
    without formulas, its numbers: the maths rules look at digits near a `$`) replaced by
    inert placeholders. Text outside formulas must be only letters, digits, spaces and `.,:`
    (no line starts, emphasis, links or entities for a word to take part in). A shape is used
    only if its first text rendered for real gives the same HTML; anything else is rendered
    for real."""

    def __init__(self) -> None:
        self.shapes: dict[str, str | None] = {}

    def __call__(self, source: str) -> str:
        parts = _MATH.split(source)
        if not all(_SAFE.fullmatch(p) for p in parts[::2]):
            return render_markdown(source)
        words: list[str] = []

        def slot(m: re.Match[str]) -> str:
            words.append(m.group(0))
            return f"zqslot{len(words) - 1}qz"

        word = _WORD if len(parts) == 1 else _LETTERS
        shape = "".join(word.sub(slot, p) if i % 2 == 0 else p for i, p in enumerate(parts))
        if shape not in self.shapes:
            html = render_markdown(shape)  # raises on bad maths like the real render
            real = render_markdown(source)
            same = _fill(html, words) == real and sorted(_SLOT.findall(html)) == sorted(
                str(i) for i in range(len(words))
            )
            self.shapes[shape] = html if same else None
            return real
        cached = self.shapes[shape]
        return render_markdown(source) if cached is None else _fill(cached, words)


def _fill(html: str, words: list[str]) -> str:
    return _SLOT.sub(lambda m: words[int(m.group(1))], html)


async def bulk_synthetic(session: AsyncSession, count: int, *, seed: int = 7) -> int:
    """Insert `count` published synthetic questions with COPY. Flushes, never commits."""
    areas = load_areas()
    await ensure_topics(session, areas)
    tree = await topic_tree(session)
    topic_ids = {t.path: t.id for t in tree.topics()}
    topics = [f"{a.slug}/{t.slug}" for a in areas for t in a.topics]
    start = await synthetic_start(session)
    await session.flush()
    now = clock.now()
    render = ShapeRenderer()
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
                "created_at": now,
                "updated_at": now,
            }
        )
        versions.append(
            {
                "id": uuid.uuid4(),
                "question_id": qid,
                "number": 1,
                "author_id": None,
                "created_at": now,
                **version_values_from_doc(doc, rendered=render_version(doc, markdown=render)),
            }
        )
        if len(questions) >= CHUNK:
            await _copy_both(session, questions, versions)
    await _copy_both(session, questions, versions)
    # a question points at its version only once both exist (the foreign keys go both ways)
    await session.execute(
        text(
            "UPDATE question q SET current_version_id = v.id FROM question_version v "
            "WHERE v.question_id = q.id AND v.number = 1 AND q.current_version_id IS NULL "
            "AND q.external_id LIKE 'synthetic-%'"
        )
    )
    return count


async def _copy_both(
    session: AsyncSession, questions: list[dict[str, Any]], versions: list[dict[str, Any]]
) -> None:
    if questions:
        await _copy(session, Question, questions)
        await _copy(session, QuestionVersion, versions)
    questions.clear()
    versions.clear()


async def _copy(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """COPY rows (all with the same keys) into the model's table."""
    table = model.__table__
    columns = [c for c in table.columns if c.name in rows[0]]
    jsonb = [isinstance(c.type, JSONB) for c in columns]
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    assert raw is not None
    names = ", ".join(c.name for c in columns)
    async with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(
                [
                    Jsonb(row[c.name]) if is_json else row[c.name]
                    for c, is_json in zip(columns, jsonb, strict=True)
                ]
            )
