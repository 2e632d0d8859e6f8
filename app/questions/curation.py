"""Curation rules: saving edits as new versions, status changes, duplicates, the topic tree.

Flush, never commit. A refusal (bad maths, unknown topic, …) raises; whatever was flushed
before it is rolled back with the request, which answers >= 400 (app/db.py), also when the
route catches the error and re-renders its form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.auth.service import audit
from app.errors import Conflict, Invalid, NotFound
from app.kit import clock
from app.questions import repository, service
from app.questions.models import Question, QuestionVersion, Topic
from app.questions.native import QuestionDoc
from app.questions.service import add_version, content_hash, create_question

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _dotted_to_field(fields: dict[str, str]) -> dict[str, str]:
    return {k.replace(".", "-"): v for k, v in fields.items()}


async def create_draft(session: AsyncSession, doc: QuestionDoc, *, author: User) -> Question:
    """Create a question (draft) with its first version; nothing is stored when it is refused."""
    if doc.external_id is not None:
        taken = await session.execute(select(Question.id).where(Question.external_id == doc.external_id))
        if taken.first() is not None:
            msg = f"Another question already has the external id {doc.external_id!r}."
            raise Invalid(msg, fields={"external_id": msg})
    try:
        question = await create_question(session, doc, author_id=author.id, status="draft")
    except Invalid as exc:
        raise Invalid(exc.message, fields=_dotted_to_field(exc.fields)) from exc
    await audit(session, "question_created", actor_id=author.id, subject=str(question.id))
    return question


async def save_version(
    session: AsyncSession, question: Question, doc: QuestionDoc, *, author: User, base_version: int | None
) -> QuestionVersion | None:
    """Append a new immutable version; None when nothing changed. 409 when someone saved first."""
    # Lock the question row: two editors saving at once get distinct, ordered versions.
    await session.refresh(question, with_for_update=True)
    if base_version is not None and base_version != question.version_count:
        raise Conflict(
            f"This question was changed while you edited it (now version {question.version_count}). "
            "Reload to see the latest version; your text is still in the form."
        )
    current = await repository.get_version(session, question, None)
    if (
        current is not None
        and current.content_hash == content_hash(doc)
        and (current.provenance == doc.provenance.model_dump(mode="json"))
    ):
        return None
    try:
        version = await add_version(session, question, doc, author_id=author.id)
    except Invalid as exc:
        raise Invalid(exc.message, fields=_dotted_to_field(exc.fields)) from exc
    await audit(
        session, "question_edited", actor_id=author.id, subject=str(question.id), detail={"v": version.number}
    )
    return version


async def set_status(session: AsyncSession, question: Question, status: str, *, actor: User) -> Question:
    """Publish or retire (idempotent); one conditional update so concurrent clicks agree."""
    if question.current_version_id is None:
        raise Conflict("This question has no version to publish.")
    await session.execute(
        update(Question)
        .where(Question.id == question.id, Question.status != status)
        .values(status=status, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(question)
    await audit(session, f"question_{status}", actor_id=actor.id, subject=str(question.id))
    return question


async def duplicate(session: AsyncSession, question: Question, *, author: User) -> Question:
    """A new draft question whose first version copies the current one."""
    version = await repository.get_version(session, question, None)
    if version is None:
        raise NotFound("This question has no version.")
    path, _ = await repository.topic_label(session, question.topic_id)
    doc = service.version_to_doc(question, version, path)
    title = f"Copy of {doc.title}"[:200]
    copy = doc.model_copy(update={"external_id": None, "title": title})
    return await create_draft(session, copy, author=author)


# --- topics ----------------------------------------------------------------------------------


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:63]


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise Invalid(
            "Enter a name of 1–200 characters.", fields={"name": "Enter a name of 1–200 characters."}
        )
    return name


def _slug_taken(parent_id: int | None, slug: str, field: str) -> Invalid:
    msg = f"There is already a {'topic' if parent_id else 'area'} with the slug {slug!r} there."
    return Invalid(msg, fields={field: msg})


async def _check_slug_free(session: AsyncSession, parent_id: int | None, slug: str, *, field: str) -> None:
    cond = Topic.parent_id.is_(None) if parent_id is None else Topic.parent_id == parent_id
    if (await session.execute(select(Topic.id).where(cond, Topic.slug == slug))).first() is not None:
        raise _slug_taken(parent_id, slug, field)


@asynccontextmanager
async def _slug_write(
    session: AsyncSession, parent_id: int | None, slug: str, *, field: str, moved: Topic | None = None
) -> AsyncIterator[None]:
    """Store the change made in the block (a topic's place: area and slug). The check above runs
    first, but a concurrent save (a double click, a second admin) can take the slug between the
    check and this write: the unique index refuses it, which is the same 422. The change is made
    inside the savepoint so that its rollback leaves nothing pending for the 422 page's queries."""
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError:
        if moved is not None:  # the rollback expired it; the 422 page reads it (no lazy load in async)
            await session.refresh(moved)
        raise _slug_taken(parent_id, slug, field) from None


async def _area(session: AsyncSession, area_id: int | None) -> Topic | None:
    if area_id is None:
        return None
    area = await session.get(Topic, area_id)
    if area is None or area.parent_id is not None:
        raise Invalid("Choose an area.", fields={"parent_id": "Choose an area (topics live inside areas)."})
    return area


async def create_topic(
    session: AsyncSession, *, name: str, slug: str = "", parent_id: int | None, actor: User
) -> Topic:
    """Create an area (no parent) or a topic inside an area."""
    name = _check_name(name)
    slug = slug.strip() or slugify(name)
    if not SLUG.match(slug):
        msg = "A slug is lowercase letters, digits and hyphens (at most 63)."
        raise Invalid(msg, fields={"slug": msg})
    await _area(session, parent_id)
    await _check_slug_free(session, parent_id, slug, field="slug")
    cond = Topic.parent_id.is_(None) if parent_id is None else Topic.parent_id == parent_id
    position = (
        await session.execute(select(func.coalesce(func.max(Topic.position), -1) + 1).where(cond))
    ).scalar_one()
    topic = Topic(name=name, slug=slug, parent_id=parent_id, position=position, description="")
    async with _slug_write(session, parent_id, slug, field="slug"):
        session.add(topic)
    await audit(session, "topic_created", actor_id=actor.id, subject=str(topic.id))
    return topic


async def rename_topic(session: AsyncSession, topic: Topic, *, name: str, actor: User) -> Topic:
    """Change the display name (the slug stays: import files and paths refer to it)."""
    topic.name = _check_name(name)
    await session.flush()
    await audit(session, "topic_renamed", actor_id=actor.id, subject=str(topic.id))
    return topic


async def move_topic(session: AsyncSession, topic: Topic, *, parent_id: int | None, actor: User) -> Topic:
    """Move a topic (with its questions) to another area."""
    if topic.parent_id is None:
        msg = "Areas stay at the top level; move their topics instead."
        raise Invalid(msg, fields={"parent_id": msg})
    area = await _area(session, parent_id)
    if area is None:
        raise Invalid("Choose an area.", fields={"parent_id": "Choose an area."})
    if area.id != topic.parent_id:
        await _check_slug_free(session, area.id, topic.slug, field="parent_id")
        async with _slug_write(session, area.id, topic.slug, field="parent_id", moved=topic):
            topic.parent_id = area.id
        await audit(session, "topic_moved", actor_id=actor.id, subject=str(topic.id))
    return topic


async def delete_topic(session: AsyncSession, topic: Topic, *, actor: User) -> None:
    """Delete an empty topic or area; refuse while it holds questions or topics."""
    children = (await session.execute(select(func.count()).where(Topic.parent_id == topic.id))).scalar_one()
    questions = (
        await session.execute(select(func.count()).select_from(Question).where(Question.topic_id == topic.id))
    ).scalar_one()
    if children or questions:
        what = f"{children} topic(s)" if children else f"{questions} question(s)"
        raise Conflict(f"“{topic.name}” still holds {what}; move or delete them first.")
    await session.delete(topic)
    await session.flush()
    await audit(session, "topic_deleted", actor_id=actor.id, subject=str(topic.id))
