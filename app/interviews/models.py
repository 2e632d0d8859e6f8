"""Interview formats, attempts, their pinned items and the stored answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

FORMAT_STATUSES = ("draft", "published", "closed")
NAVIGATION = ("free", "linear")
EXPIRY_MODES = ("autosubmit", "grace", "strict")
# When a candidate sees the objective answer keys (correct options, values, per-item scores,
# explanations): as soon as the attempt is finalised, once mentor feedback is released, or never.
KEYS_SHOWN = ("at_submit", "after_release", "never")
# Attempt states and their transitions: app/interviews/lifecycle.py (AttemptState), the only writer.


class InterviewFormat(Base):
    """What admins publish: how many questions of which kind, how long, what happens at the deadline."""

    __tablename__ = "interview_format"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft','published','closed')", name="status_known"),
        sa.CheckConstraint("navigation IN ('free','linear')", name="navigation_known"),
        sa.CheckConstraint("expiry_mode IN ('autosubmit','grace','strict')", name="expiry_mode_known"),
        sa.CheckConstraint("reviewers_required BETWEEN 1 AND 3", name="reviewers_range"),
        sa.CheckConstraint("time_limit_seconds > 0", name="time_limit_positive"),
        sa.CheckConstraint("grace_seconds >= 0", name="grace_non_negative"),
        sa.CheckConstraint("keys_shown IN ('at_submit','after_release','never')", name="keys_shown_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Seeded formats are found again by slug (idempotent seeding); admin-made ones may have none.
    slug: Mapped[str | None] = mapped_column(sa.String(63), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # list of slot specs (app.interviews.schemas.Slot), validated on every write
    slots: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    time_limit_seconds: Mapped[int] = mapped_column(sa.Integer)
    soft_limit_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    navigation: Mapped[str] = mapped_column(sa.String(10), default="free")
    expiry_mode: Mapped[str] = mapped_column(sa.String(12), default="autosubmit")
    grace_seconds: Mapped[int] = mapped_column(sa.Integer, default=0)
    reviewers_required: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    blind_review: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # release mentors' feedback to the candidate as soon as the required reviews are in
    auto_release: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.text("false"))
    # after an adjudication the candidate sees the adjudicated result; also the original reviews?
    adjudication_shows_originals: Mapped[bool] = mapped_column(
        sa.Boolean, default=True, server_default=sa.text("true")
    )
    attempts_allowed: Mapped[int | None] = mapped_column(sa.Integer)  # None: unlimited
    keys_shown: Mapped[str] = mapped_column(
        sa.String(16), default="after_release", server_default=sa.text("'after_release'")
    )
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Attempt(Base):
    """One candidate's timed attempt. Timing fields are snapshots: editing the format later changes nothing."""

    __tablename__ = "attempt"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('in_progress','submitted','expired','in_review','reviewed','released')",
            name="state_known",
        ),
        # at most one attempt in progress per candidate and format
        sa.Index(
            "uq_attempt_one_in_progress",
            "user_id",
            "format_id",
            unique=True,
            postgresql_where=sa.text("state = 'in_progress'"),
        ),
        # the sweeper's scan
        sa.Index(
            "ix_attempt_open_deadline", "deadline_at", postgresql_where=sa.text("state = 'in_progress'")
        ),
        # live attempts, few among many (analytics reads their facts: app/analytics/repository.py)
        sa.Index("ix_attempt_live", "id", postgresql_where=sa.text("live")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    format_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("interview_format.id", ondelete="RESTRICT"))
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default="in_progress")
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    deadline_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    time_factor: Mapped[float] = mapped_column(sa.Float, default=1.0)
    expiry_mode: Mapped[str] = mapped_column(sa.String(12))
    grace_seconds: Mapped[int] = mapped_column(sa.Integer, default=0)
    navigation: Mapped[str] = mapped_column(sa.String(10))
    current_position: Mapped[int] = mapped_column(sa.Integer, default=0)  # linear navigation only
    extended_seconds: Mapped[int] = mapped_column(sa.Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finalised_by: Mapped[str | None] = mapped_column(sa.String(12))  # submit | deadline | sweeper
    counted: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    needs_review: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    auto_score: Mapped[float | None] = mapped_column(sa.Float)
    auto_max: Mapped[float | None] = mapped_column(sa.Float)
    # part of a live session (app/live), set when the mentor opens it: only then does the save
    # function emit each stored save as an `answer.saved` event (other saves pay nothing)
    live: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.text("false"))


class AttemptItem(Base):
    """A drawn question, pinned to the exact version the candidate saw."""

    __tablename__ = "attempt_item"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "position", name="uq_attempt_item_position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    attempt_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    slot_index: Mapped[int] = mapped_column(sa.Integer)
    question_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("question.id", ondelete="RESTRICT"), index=True
    )
    version_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("question_version.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))  # copied from the version: the save path checks it
    # parametrised questions: the seed of the numbers this candidate saw (grading recomputes from it)
    seed: Mapped[int | None] = mapped_column(sa.BigInteger)
    max_points: Mapped[float] = mapped_column(sa.Float, default=1.0)
    score: Mapped[float | None] = mapped_column(sa.Float)  # objective kinds, set at finalisation
    time_spent_seconds: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")
    last_active_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # the candidate's "flag for review" mark (the question palette shows it); never graded
    flagged: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.text("false"))


class Answer(Base):
    """The latest stored revision of an item's answer (one row per item; written only by the save function)."""

    __tablename__ = "answer"

    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt_item.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(sa.BigInteger)
    value: Mapped[dict[str, Any]] = mapped_column(JSONB)
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    save_id: Mapped[str | None] = mapped_column(sa.String(64))  # the client save that stored this revision


class AnswerRevision(Base):
    """Append-only log of every stored save: each acknowledged answer stays retrievable, and a
    retry is recognised by its client save id whatever happened since (see the save function)."""

    __tablename__ = "answer_revision"
    __table_args__ = (sa.UniqueConstraint("item_id", "save_id", name="uq_answer_revision_item_save"),)

    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt_item.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    save_id: Mapped[str] = mapped_column(sa.String(64))
    base_revision: Mapped[int] = mapped_column(sa.BigInteger)
    value: Mapped[dict[str, Any]] = mapped_column(JSONB)
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class AutosavedText:
    """The columns of a text autosaved with the answers' protocol: compare-and-swap on `revision`,
    a client save id per save (the candidate's scratchpad, a mentor's interviewer notes)."""

    text: Mapped[str] = mapped_column(sa.Text, default="")
    revision: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    save_id: Mapped[str | None] = mapped_column(sa.String(64))
    # the last saves' ids → the revision each stored: a retry is recognised whatever came after
    recent_saves: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    saved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AttemptScratchpad(AutosavedText, Base):
    """The candidate's private notes for one attempt (autosaved). Mentors see them only once the
    candidate shares them (`shared_at`); the candidate can stop sharing at any time."""

    __tablename__ = "attempt_scratchpad"

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    shared_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


_EMPTY_OBJECT = sa.text("'{}'::jsonb")  # (the class below has a column named `text`)


class LivePrompt(Base):
    """A follow-up question or a hint the interviewer gave during a live attempt (issue 20's
    "follow-up ladder"), logged with its time. A follow-up carries the candidate's answer, autosaved
    with the answers' protocol (compare-and-swap on `revision`, a client save id per save, the last
    saves' ids remembered so that a retry gets its own outcome); a hint has none.

    `ref` is the index into the pinned version's `follow_ups` or `hints`; None for a follow-up the
    interviewer typed. Sending is idempotent: a scripted prompt is given once per item
    (`uq_live_prompt_scripted`), and a retried send is recognised by its `send_id`."""

    __tablename__ = "live_prompt"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('follow_up','hint')", name="kind_known"),
        sa.CheckConstraint("kind = 'follow_up' OR ref IS NOT NULL", name="hint_is_scripted"),
        sa.UniqueConstraint("attempt_id", "send_id", name="uq_live_prompt_send"),
        sa.Index(
            "uq_live_prompt_scripted",
            "item_id",
            "kind",
            "ref",
            unique=True,
            postgresql_where=sa.text("ref IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # (uq_live_prompt_send's index leads with attempt_id: the attempt's prompts need no other)
    attempt_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt_item.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    ref: Mapped[int | None] = mapped_column(sa.SmallInteger)
    text: Mapped[str] = mapped_column(sa.Text)  # as sent (Markdown)
    text_html: Mapped[str] = mapped_column(sa.Text)  # rendered when sent (stored HTML for scripted ones)
    send_id: Mapped[str] = mapped_column(sa.String(64))
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    # the candidate's answer to a follow-up (empty for hints)
    answer: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    revision: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    save_id: Mapped[str | None] = mapped_column(sa.String(64))
    recent_saves: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict, server_default=_EMPTY_OBJECT)
    saved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
