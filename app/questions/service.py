"""Saving question versions (rendered once, on save) and loading the topic tree. Flush, never commit."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Invalid, NotFound
from app.kit import clock
from app.questions import kinds
from app.questions.models import Question, QuestionVersion, Topic
from app.questions.native import STORED, AreaDoc, Criterion, FollowUp, Level, QuestionDoc, Rubric
from app.questions.rendering import RenderError, render_markdown


def content_hash(doc: QuestionDoc) -> str:
    """Hash of everything a version holds except its identity and provenance (duplicate detection)."""
    payload = doc.model_dump(mode="json", exclude={"external_id", "provenance"})
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _render(
    field: str, text: str, errors: dict[str, str], *, markdown: Callable[[str], str] = render_markdown
) -> str:
    try:
        return markdown(text)
    except RenderError as err:
        errors[field] = err.message
        return ""


def render_version(doc: QuestionDoc, *, markdown: Callable[[str], str] = render_markdown) -> dict[str, Any]:
    """Render every Markdown field of a document; Invalid names each field whose maths fails.

    `markdown` is render_markdown, or a memoised equivalent (app.questions.bulk)."""
    _r = partial(_render, markdown=markdown)
    errors: dict[str, str] = {}
    prompt_html = _r("prompt", doc.prompt, errors)
    reference_html = _r("reference_answer", doc.reference_answer, errors)
    kind_data = kinds.get(doc.kind).render_data(doc, lambda field, text: _r(field, text, errors))
    rubric = doc.rubric.model_dump(mode="json")
    for i, crit in enumerate(rubric["criteria"]):
        for j, level in enumerate(crit["levels"]):
            level["descriptor_html"] = _r(f"rubric.criteria.{i}.levels.{j}", level["descriptor"], errors)
    rubric["key_points_html"] = [
        _r(f"rubric.key_points.{i}", k, errors) for i, k in enumerate(doc.rubric.key_points)
    ]
    follow_ups = []
    for i, f in enumerate(doc.follow_ups):
        follow_ups.append(
            {
                **f.model_dump(mode="json"),
                "question_html": _r(f"follow_ups.{i}.question", f.question, errors),
                "expected_answer_html": _r(f"follow_ups.{i}.expected_answer", f.expected_answer, errors),
            }
        )
    hints_html = [_r(f"hints.{i}", h, errors) for i, h in enumerate(doc.hints)]
    if errors:
        raise Invalid("Some text could not be rendered: " + "; ".join(errors.values()), fields=errors)
    # options and negative_marks: every version's data has had them, whatever its kind
    data: dict[str, Any] = {"options": [], "negative_marks": doc.negative_marks, **kind_data}
    data["hints_html"] = hints_html
    return {
        "prompt_html": prompt_html,
        "reference_html": reference_html,
        "data": data,
        "rubric": rubric,
        "follow_ups": follow_ups,
    }


def version_values_from_doc(
    doc: QuestionDoc, *, rendered: dict[str, Any] | None = None, hash_: str | None = None
) -> dict[str, Any]:
    """The one document → version mapping: the `question_version` columns a document fills.

    Everything but identity and bookkeeping (id, question_id, number, author_id, created_at).
    `rendered` / `hash_`: render_version(doc) / content_hash(doc), when the caller has them already
    (imports render in a worker; the synthetic bank memoises Markdown)."""
    return {
        "title": doc.title,
        "kind": doc.kind.value,
        "prompt": doc.prompt,
        "reference_answer": doc.reference_answer,
        "difficulty": doc.difficulty,
        "estimated_minutes": doc.estimated_minutes,
        "tags": list(doc.tags),
        "hints": list(doc.hints),
        "provenance": doc.provenance.model_dump(mode="json"),
        "content_hash": hash_ or content_hash(doc),
        **(rendered if rendered is not None else render_version(doc)),
    }


def _only(item: dict[str, Any], model: Any) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in model.model_fields}


def doc_from_version(v: QuestionVersion, *, topic: str, external_id: str | None) -> QuestionDoc:
    """The inverse mapping: the document a version was saved from (the stored HTML left behind)."""
    rubric = dict(v.rubric or {})
    rubric["criteria"] = [
        {**_only(c, Criterion), "levels": [_only(lv, Level) for lv in c.get("levels", [])]}
        for c in rubric.get("criteria", [])
    ]
    data = v.data or {}
    return QuestionDoc.model_validate(
        {
            "external_id": external_id,
            "topic": topic,
            "title": v.title,
            "kind": v.kind,
            "prompt": v.prompt,
            "reference_answer": v.reference_answer,
            "negative_marks": data.get("negative_marks", False),
            **kinds.get(v.kind).doc_values(data),
            "rubric": _only(rubric, Rubric),
            "follow_ups": [_only(f, FollowUp) for f in v.follow_ups or []],
            "hints": list(v.hints or []),
            "difficulty": v.difficulty,
            "estimated_minutes": v.estimated_minutes,
            "tags": list(v.tags or []),
            "provenance": v.provenance or {},
        },
        context=STORED,  # a version saved before a rule was added still reads back
    )


def version_to_doc(question: Question, version: QuestionVersion, topic_path: str) -> QuestionDoc:
    return doc_from_version(version, topic=topic_path, external_id=question.external_id)


async def topic_by_path(session: AsyncSession, path: str) -> Topic:
    area_slug, _, topic_slug = path.partition("/")
    area = Topic.__table__.alias("area")
    stmt = (
        select(Topic)
        .join(area, area.c.id == Topic.parent_id)
        .where(area.c.slug == area_slug, Topic.slug == topic_slug)
    )
    topic = (await session.execute(stmt)).scalar_one_or_none()
    if topic is None:
        raise Invalid(f"Unknown topic {path!r}.", fields={"topic": f"Unknown topic {path!r}."})
    return topic


async def ensure_topics(session: AsyncSession, areas: list[AreaDoc]) -> int:
    """Create missing areas and topics (names of existing ones are left as curated). Returns how many were created.

    INSERT … ON CONFLICT DO NOTHING: two transactions creating the same topic at once both
    succeed (the second waits for the first and then finds it), instead of one dying on the
    unique constraint. Three statements whatever the size of the tree (the areas, their ids, the
    topics), not one or two per topic: the seed tree is ~50 rows and every test bank creates it.
    The rows go as parameters of one compiled statement (SQLAlchemy's insertmanyvalues sends them
    as one multi-row INSERT … RETURNING), not as `.values(rows)`, which builds and compiles a new
    statement of ~250 bound values each time: about half the CPU of a call.
    """
    if not areas:
        return 0
    new_areas = (
        await session.execute(
            pg_insert(Topic)
            .on_conflict_do_nothing(index_elements=["slug"], index_where=Topic.parent_id.is_(None))
            .returning(Topic.id),
            [
                {"slug": a.slug, "name": a.name, "description": a.description, "position": a_pos}
                for a_pos, a in enumerate(areas)
            ],
        )
    ).all()
    area_ids = dict(
        (
            await session.execute(
                select(Topic.slug, Topic.id).where(
                    Topic.parent_id.is_(None), Topic.slug.in_([a.slug for a in areas])
                )
            )
        ).all()
    )
    topics = [
        {
            "parent_id": area_ids[a.slug],
            "slug": t.slug,
            "name": t.name,
            "description": t.description,
            "position": t_pos,
        }
        for a in areas
        for t_pos, t in enumerate(a.topics)
    ]
    created = len(new_areas)
    if topics:
        created += len(
            (
                await session.execute(
                    pg_insert(Topic)
                    .on_conflict_do_nothing(index_elements=["parent_id", "slug"])
                    .returning(Topic.id),
                    topics,
                )
            ).all()
        )
    await session.flush()
    return created


async def add_version(
    session: AsyncSession, question: Question, doc: QuestionDoc, *, author_id: uuid.UUID | None
) -> QuestionVersion:
    """Append the next immutable version to a question and make it current."""
    values = version_values_from_doc(doc)  # renders first: a formula error is reported before the topic
    topic = await topic_by_path(session, doc.topic)
    question.version_count += 1
    question.topic_id = topic.id
    version = QuestionVersion(
        question_id=question.id, number=question.version_count, author_id=author_id, **values
    )
    session.add(version)
    await session.flush()
    question.current_version_id = version.id
    question.updated_at = clock.now()
    await session.flush()
    return version


async def create_question(
    session: AsyncSession, doc: QuestionDoc, *, author_id: uuid.UUID | None, status: str = "draft"
) -> Question:
    """Create a question with its first version."""
    topic = await topic_by_path(session, doc.topic)
    question = Question(external_id=doc.external_id, topic_id=topic.id, status=status, version_count=0)
    session.add(question)
    await session.flush()
    await add_version(session, question, doc, author_id=author_id)
    return question


async def current_version(session: AsyncSession, question: Question) -> QuestionVersion:
    if question.current_version_id is None:
        raise NotFound("This question has no version.")
    version = await session.get(QuestionVersion, question.current_version_id)
    assert version is not None
    return version
