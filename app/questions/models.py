"""Topic tree, questions with immutable versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

STATUSES = ("draft", "published", "retired")


class Topic(Base):
    """An area (parent_id NULL) or a topic inside an area."""

    __tablename__ = "topic"
    __table_args__ = (
        sa.UniqueConstraint("parent_id", "slug", name="uq_topic_parent_slug"),
        sa.Index("uq_topic_area_slug", "slug", unique=True, postgresql_where="parent_id IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topic.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(63))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    position: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class Question(Base):
    """The stable identity; what candidates see is always a pinned version."""

    __tablename__ = "question"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft','published','retired')", name="status_known"),
        # The lists' orders, read from an index instead of sorting the whole bank per request
        # (repository._built): the candidates' topic order (per topic, then title) over published
        # questions, the admins' newest first, by title, by difficulty.
        sa.Index(
            "ix_question_published_topic_title",
            "topic_id",
            "sort_title",
            "id",
            postgresql_include=["current_kind", "current_difficulty"],
            postgresql_where=sa.text("status = 'published'"),
        ),
        sa.Index("ix_question_updated", sa.text("updated_at DESC"), "id"),
        sa.Index("ix_question_sort_title", "sort_title", "id"),
        sa.Index("ix_question_difficulty_title", "current_difficulty", "sort_title", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    external_id: Mapped[str | None] = mapped_column(sa.String(63), unique=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topic.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", index=True)
    # indexed: a search finds versions first and joins their questions through it (and a
    # deleted version's ON DELETE SET NULL finds its question without a scan)
    current_version_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("question_version.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    version_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Copies of the current version's lower(title), kind and difficulty, so that the lists sort
    # and filter on this table's indexes. Written by the database alone: the trigger
    # `question_current_copies` (migration 9f3b2c1d7e45) sets them from the version whenever
    # current_version_id is written, by every path (ORM, COPY imports, the bulk seed); versions
    # never change. NULL while the question has no current version.
    sort_title: Mapped[str | None] = mapped_column(
        sa.Text, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue(), deferred=True
    )
    current_kind: Mapped[str | None] = mapped_column(
        sa.String(20), server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue(), deferred=True
    )
    current_difficulty: Mapped[int | None] = mapped_column(
        sa.SmallInteger, server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue(), deferred=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


# Every search reads a GIN index's whole pending list (new rows not yet merged into the index):
# 128 kB, not the server's 4 MB, keeps that short after a bulk seed or an import (a migration sets it)
SHORT_PENDING = {"gin_pending_list_limit": 128}


class QuestionVersion(Base):
    """Immutable: never updated after insert. Editing creates the next version."""

    __tablename__ = "question_version"
    __table_args__ = (
        sa.UniqueConstraint("question_id", "number", name="uq_question_version_number"),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty_range"),
        # the registry (app/questions/kinds/) decides which names exist; a new kind needs no migration
        sa.CheckConstraint("kind ~ '^[a-z][a-z0-9_]{0,19}$'", name="kind_name"),
        sa.Index(
            "ix_question_version_search", "search", postgresql_using="gin", postgresql_with=SHORT_PENDING
        ),
        sa.Index(
            "ix_question_version_search_public",
            "search_public",
            postgresql_using="gin",
            postgresql_with=SHORT_PENDING,
        ),
        sa.Index("ix_question_version_tags", "tags", postgresql_using="gin", postgresql_with=SHORT_PENDING),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    question_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    prompt: Mapped[str] = mapped_column(sa.Text)
    prompt_html: Mapped[str] = mapped_column(sa.Text)
    reference_answer: Mapped[str] = mapped_column(sa.Text, default="")
    reference_html: Mapped[str] = mapped_column(sa.Text, default="")
    # kind data: options (text, text_html, correct, weight, feedback), numeric, negative_marks
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    rubric: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    follow_ups: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    hints: Mapped[list[str]] = mapped_column(JSONB, default=list)
    difficulty: Mapped[int] = mapped_column(sa.SmallInteger)
    estimated_minutes: Mapped[int] = mapped_column(sa.SmallInteger)
    tags: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String(63)), default=list)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    author_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        sa.Computed(
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(prompt, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(reference_answer, '')), 'C')",
            persisted=True,
        ),
        deferred=True,
    )
    # What candidates may search: title and prompt only. Matching (or excluding) words of the
    # reference answer would let them probe what the answer contains.
    search_public: Mapped[str] = mapped_column(
        TSVECTOR,
        sa.Computed(
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(prompt, '')), 'B')",
            persisted=True,
        ),
        deferred=True,
    )
