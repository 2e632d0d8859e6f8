"""Anchor answers (issue 21): an answer to a published free-text question with reference scores,
and its presentations — the stand-in attempts through which a mentor reviews it.

An anchor reaches a mentor as an ordinary attempt (app/reviews/anchors.py): an `attempt` row owned
by the calibration stand-in account, never counted (`counted = false`), with the anchor's answer (and, for a real one, the rest of
its attempt).
`anchor_presentation` is the only record that the attempt is an anchor; no page before the
mentor's submit reads it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Anchor(Base):
    """A reference review of one answer: a level per rubric criterion, a recommendation, a rationale."""

    __tablename__ = "anchor"
    __table_args__ = (
        sa.CheckConstraint(
            "reference_recommendation IN ('strong_no','no','lean_no','lean_yes','yes','strong_yes')",
            name="recommendation_known",
        ),
        # a real answer is one active anchor at most: a double click on "Mark as anchor" (or a
        # second tab) cannot make two; a retired one may be marked again
        sa.Index(
            "uq_anchor_source_item_active",
            "source_item_id",
            unique=True,
            postgresql_where=sa.text("source_item_id IS NOT NULL AND active"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    question_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("question.id", ondelete="RESTRICT"), index=True
    )
    version_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("question_version.id", ondelete="RESTRICT"))
    # the (blind) format it is presented under
    format_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("interview_format.id", ondelete="RESTRICT"))
    # a real answer marked as an anchor (None: written by the admin)
    source_item_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("attempt_item.id", ondelete="SET NULL")
    )
    answer_text: Mapped[str] = mapped_column(sa.Text)
    time_spent_seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    reference_levels: Mapped[list[int]] = mapped_column(JSONB)  # level index per criterion
    reference_recommendation: Mapped[str] = mapped_column(sa.String(12))
    rationale: Mapped[str] = mapped_column(sa.Text)
    rationale_html: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.text("true"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class AnchorPresentation(Base):
    """One anchor shown to one mentor as the stand-in attempt `attempt_id` (once per mentor)."""

    __tablename__ = "anchor_presentation"
    __table_args__ = (
        sa.UniqueConstraint("anchor_id", "mentor_id", name="uq_anchor_presentation_anchor_mentor"),
        sa.Index("ix_anchor_presentation_mentor", "mentor_id"),
    )

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    anchor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("anchor.id", ondelete="CASCADE"))
    mentor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    # part of the new mentor's calibration set (announced) rather than mixed into the flow of work
    onboarding: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
