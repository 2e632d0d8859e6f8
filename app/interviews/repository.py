"""Queries. The autosave statement and the finalising updates are built once, at import."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Double,
    LargeBinary,
    Select,
    String,
    Text,
    Uuid,
    bindparam,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from app.interviews.lifecycle import AttemptState
from app.interviews.models import Answer, Attempt, AttemptItem, InterviewFormat
from app.interviews.save_outcome import SaveRow
from app.interviews.schemas import Slot
from app.questions.models import Question, QuestionVersion, Topic

# One round trip for a save: the PL/pgSQL function `save_answer` (migrations 5a1f0c2e9b7d,
# 3b7d9e1c5a24) resolves the caller by the one validity rule (app/auth/validity.py: a session
# cookie with its idle and absolute timeouts, or an unexpired API token with the write scope) and
# records the visit, share-locks their attempt, locks the item, recognises a retry by its save id,
# compares the base revision with the stored one, writes answer + log + time trace, and returns one
# outcome row (app/interviews/save_outcome.py decodes it). The decision is taken after the locks, on
# fresh reads. app/interviews/autosave_db.py compiles this with the psycopg dialect once, at import.
_TS = DateTime(timezone=True)
_SAVE_ARGS: tuple[tuple[str, TypeEngine[Any]], ...] = (
    ("session_hash", LargeBinary()),
    ("token_hash", LargeBinary()),
    ("idle_cutoff", _TS),
    ("absolute_cutoff", _TS),
    ("slide_before", _TS),
    ("touch_before", _TS),
    ("attempt_id", Uuid()),
    ("item_id", Uuid()),
    ("kind", Text()),
    ("now", _TS),
    ("base", BigInteger()),
    ("save_id", Text()),
    ("value", JSONB()),
    ("time_cap", Double()),
)
SAVE_PARAMS = tuple(name for name, _ in _SAVE_ARGS)
_save_call = func.save_answer(*(cast(bindparam(name), type_) for name, type_ in _SAVE_ARGS)).table_valued(
    *SaveRow._fields
)
SAVE_ANSWER = select(*_save_call.c)

# One sweeper at a time across all app processes; released with the transaction.
SWEEP_LOCK_KEY = 0x6D6C6D6F636B  # "mlmock"
TRY_SWEEP_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")


def _pool(stmt: Select[Any], slot: Slot) -> Select[Any]:
    """`stmt` (over Question joined to its current version) narrowed to what `slot` may draw."""
    stmt = stmt.where(Question.status == "published")
    if slot.question_id is not None:
        stmt = stmt.where(Question.id == slot.question_id)
    elif slot.external_id is not None:
        stmt = stmt.where(Question.external_id == slot.external_id)
    else:
        stmt = stmt.where(QuestionVersion.difficulty.between(slot.min_difficulty, slot.max_difficulty))
        if slot.kinds:
            stmt = stmt.where(QuestionVersion.kind.in_([k.value for k in slot.kinds]))
        if slot.tags:
            # `@>` (the GIN index on tags): the column's generic ARRAY type has no .contains()
            tags = cast(list(slot.tags), postgresql.ARRAY(String(63)))
            stmt = stmt.where(QuestionVersion.tags.op("@>")(tags))
        if slot.topic:
            area_slug, _, topic_slug = slot.topic.partition("/")
            area = Topic.__table__.alias("area")
            stmt = stmt.join(Topic, Topic.id == Question.topic_id).join(area, area.c.id == Topic.parent_id)
            stmt = stmt.where(area.c.slug == area_slug)
            if topic_slug:
                stmt = stmt.where(Topic.slug == topic_slug)
    return stmt


async def published_pool(session: AsyncSession, slot: Slot) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(question id, current version id) of the published questions a slot may draw."""
    stmt: Select[Any] = select(Question.id, QuestionVersion.id).join(  # type: ignore[assignment]
        QuestionVersion, QuestionVersion.id == Question.current_version_id
    )
    rows = (await session.execute(_pool(stmt, slot).order_by(Question.id))).all()
    return [(r[0], r[1]) for r in rows]


async def pool_minutes(session: AsyncSession, slot: Slot) -> list[int]:
    """The estimated minutes of each published question a slot may draw (the format builder)."""
    stmt = select(QuestionVersion.estimated_minutes).join(
        Question, QuestionVersion.id == Question.current_version_id
    )
    return list((await session.execute(_pool(stmt, slot))).scalars())


async def list_formats(session: AsyncSession, *, statuses: Sequence[str]) -> list[InterviewFormat]:
    stmt = select(InterviewFormat).where(InterviewFormat.status.in_(statuses)).order_by(InterviewFormat.title)
    return list((await session.execute(stmt)).scalars())


async def count_attempts(session: AsyncSession, *, user_id: uuid.UUID, format_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(Attempt.user_id == user_id, Attempt.format_id == format_id)
    return int((await session.execute(stmt)).scalar_one())


async def open_attempt(session: AsyncSession, *, user_id: uuid.UUID, format_id: uuid.UUID) -> Attempt | None:
    stmt = select(Attempt).where(
        Attempt.user_id == user_id, Attempt.format_id == format_id, Attempt.state == AttemptState.in_progress
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def user_attempts(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[Attempt, str]]:
    stmt = (
        select(Attempt, InterviewFormat.title)
        .join(InterviewFormat, InterviewFormat.id == Attempt.format_id)
        .where(Attempt.user_id == user_id)
        .order_by(Attempt.started_at.desc())
        .limit(200)
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def running_attempts(session: AsyncSession, format_id: uuid.UUID) -> list[tuple[Attempt, str]]:
    from app.auth.models import User

    stmt = (
        select(Attempt, User.display_name)
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.format_id == format_id, Attempt.state == AttemptState.in_progress)
        .order_by(Attempt.deadline_at)
    )
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def items_with_versions(
    session: AsyncSession, attempt_id: uuid.UUID
) -> list[tuple[AttemptItem, QuestionVersion, Answer | None]]:
    """The attempt's items in order, each with its pinned version and stored answer (one query)."""
    stmt = (
        select(AttemptItem, QuestionVersion, Answer)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.version_id)
        .outerjoin(Answer, Answer.item_id == AttemptItem.id)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
        .execution_options(populate_existing=True)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def in_keyless_format(session: AsyncSession, question_id: uuid.UUID) -> bool:
    """Could a format that never shows its keys (any status) hold this question? Practice must not
    reveal what such a format hides."""
    rows = await session.execute(select(InterviewFormat.slots).where(InterviewFormat.keys_shown == "never"))
    probe: Select[Any] = select(Question.id).join(
        QuestionVersion, QuestionVersion.id == Question.current_version_id
    )
    probe = probe.where(Question.id == question_id)
    for slots in rows.scalars():
        for raw in slots:
            if (await session.execute(_pool(probe, Slot.model_validate(raw)).limit(1))).first():
                return True
    return False


async def in_running_attempt(session: AsyncSession, user_id: uuid.UUID, question_id: uuid.UUID) -> bool:
    """Is the question an item of one of the user's attempts still in progress?"""
    stmt = (
        select(AttemptItem.id)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.user_id == user_id, Attempt.state == AttemptState.in_progress)
        .where(AttemptItem.question_id == question_id)
        .limit(1)
    )
    return (await session.execute(stmt)).first() is not None
