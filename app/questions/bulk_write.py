"""The bulk write of new questions and versions (an import's): the questions domain writes its own tables.

Callers plan (what is new, which question gets a next version) and hand over documents already
rendered and hashed; the rows come from the one document -> version mapping
(`service.version_values_from_doc`), are built in a worker thread and go in with COPY
(copy_write.py), in the caller's transaction. Flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import anyio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit import clock
from app.kit.heap import release_gradually
from app.questions.copy_write import copy_rows, point_questions
from app.questions.models import Question, QuestionVersion, Topic
from app.questions.native import QuestionDoc
from app.questions.service import version_values_from_doc


class VersionToWrite(Protocol):
    """A planned version: `question_id` None for a new question (set here), else its next version."""

    doc: QuestionDoc | None
    rendered: dict[str, Any]
    hash: str
    question_id: uuid.UUID | None
    version_count: int


async def write_versions(
    session: AsyncSession,
    planned: Sequence[VersionToWrite],
    *,
    publish: bool,
    author_id: uuid.UUID | None,
    publish_drafts: Sequence[uuid.UUID] = (),
) -> None:
    """Insert the planned versions (and new questions), point questions at them; publish drafts."""
    topic_rows = list((await session.execute(select(Topic))).scalars())
    areas = {t.id: t.slug for t in topic_rows if t.parent_id is None}
    topic_ids = {f"{areas[t.parent_id]}/{t.slug}": t.id for t in topic_rows if t.parent_id in areas}
    now = clock.now()
    # thousands of rows: built in a worker thread, written with COPY (copy_write.py)
    new_questions, versions, pointers = await anyio.to_thread.run_sync(
        _rows, planned, topic_ids, now, publish, author_id
    )
    await copy_rows(session, Question.__table__, new_questions)
    await copy_rows(session, QuestionVersion.__table__, versions)
    await point_questions(session, pointers)
    await release_gradually(versions, new_questions, pointers)  # by slices, not in one C call
    if publish_drafts:  # --publish on unchanged drafts publishes them
        await session.execute(
            update(Question)
            .where(Question.id.in_(list(publish_drafts)), Question.status == "draft")
            .values(status="published", updated_at=now)
            .execution_options(synchronize_session=False)
        )
    await session.flush()


def _rows(
    planned: Sequence[VersionToWrite],
    topic_ids: dict[str, int],
    now: datetime,
    publish: bool,
    author_id: uuid.UUID | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of the write: new questions, their versions, and each question's new pointers."""
    new_questions: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    pointers: list[dict[str, Any]] = []
    for p in planned:
        if p.doc is None:
            continue
        doc, version_id = p.doc, uuid.uuid4()
        topic_id = topic_ids[doc.topic]
        if p.question_id is None:
            p.question_id = uuid.uuid4()
            new_questions.append(
                {
                    "id": p.question_id,
                    "external_id": doc.external_id,
                    "topic_id": topic_id,
                    "status": "published" if publish else "draft",
                    "version_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        number = p.version_count + 1
        versions.append(
            {
                "id": version_id,
                "question_id": p.question_id,
                "number": number,
                "author_id": author_id,
                "created_at": now,
                **version_values_from_doc(doc, rendered=p.rendered, hash_=p.hash),
            }
        )
        pointer = {"id": p.question_id, "current_version_id": version_id, "version_count": number}
        pointer |= {"topic_id": topic_id, "updated_at": now}
        if publish:
            pointer["status"] = "published"
        pointers.append(pointer)
    return new_questions, versions, pointers
