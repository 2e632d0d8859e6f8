"""Mentor reviews: claims with drafts, submitted per-item scores, the attempt's outcome,
the candidate's rating of the feedback, and in-app notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.interviews.models import AutosavedText

# Review statuses and their transitions: app/reviews/lifecycle.py (ReviewStatus), the only writer.


class Review(Base):
    """One mentor's review of one attempt: a claim (with an autosaved draft) until submitted.

    A claim is active while `status = 'claimed' AND expires_at > now`; an expired or released
    claim no longer counts towards the format's reviewers_required and the attempt returns to
    the queue. The same mentor claiming it again reuses this row (and gets the draft back).
    """

    __tablename__ = "review"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "reviewer_id", name="uq_review_attempt_reviewer"),
        sa.CheckConstraint("status IN ('claimed','released','submitted')", name="status_known"),
        sa.CheckConstraint(
            "recommendation IS NULL OR recommendation IN "
            "('strong_no','no','lean_no','lean_yes','yes','strong_yes')",
            name="recommendation_known",
        ),
        sa.Index("ix_review_reviewer_status", "reviewer_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    attempt_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(12), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # the draft (app.reviews.schemas.ReviewDraft as JSON) and its autosave revision
    revision: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    draft: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=sa.text("'{}'::jsonb"))
    saved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # the page autosave's last save ids → the revision each stored (app/interviews/text_save.py):
    # a retry, even one arriving after a newer save, gets its original's answer
    recent_saves: Mapped[dict[str, int]] = mapped_column(
        JSONB, default=dict, server_default=sa.text("'{}'::jsonb")
    )
    # set on submit
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    score_percent: Mapped[float | None] = mapped_column(sa.Float)
    recommendation: Mapped[str | None] = mapped_column(sa.String(12))
    signals: Mapped[dict[str, int]] = mapped_column(
        JSONB, default=dict, server_default=sa.text("'{}'::jsonb")
    )
    summary: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    summary_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    private_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    private_note_html: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    show_name: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.text("false"))


class ReviewItem(Base):
    """A submitted review's verdict on one attempt item."""

    __tablename__ = "review_item"

    review_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("review.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt_item.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    fraction: Mapped[float] = mapped_column(sa.Float)  # 0..1, what the item scored in this review
    levels: Mapped[list[int]] = mapped_column(JSONB, default=list)  # level index per criterion
    points: Mapped[list[float]] = mapped_column(JSONB, default=list)  # points per criterion
    key_points: Mapped[list[int]] = mapped_column(JSONB, default=list)  # indexes of key points hit
    misconceptions: Mapped[list[str]] = mapped_column(JSONB, default=list)  # codes from the rubric
    other_misconception: Mapped[str] = mapped_column(sa.Text, default="")
    follow_ups: Mapped[list[int]] = mapped_column(JSONB, default=list)  # follow-ups asked
    hints: Mapped[list[int]] = mapped_column(JSONB, default=list)  # hints given
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    comment_html: Mapped[str] = mapped_column(sa.Text, default="")
    override: Mapped[float | None] = mapped_column(sa.Float)  # objective items: the reviewer's fraction
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")


class ReviewOutcome(Base):
    """The aggregate once every required review is in; flagged when reviewers disagree."""

    __tablename__ = "review_outcome"

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    score_percent: Mapped[float | None] = mapped_column(sa.Float)
    recommendation: Mapped[str | None] = mapped_column(sa.String(12))
    flagged: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    score_spread: Mapped[float] = mapped_column(sa.Float, default=0.0)
    recommendation_spread: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    released_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))


class FeedbackRating(Base):
    """The candidate's rating of the feedback they got (one per attempt, can be changed)."""

    __tablename__ = "feedback_rating"
    __table_args__ = (sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    rated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Notification(Base):
    """An in-app message for one user (feedback released, …)."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_user_unread", "user_id", postgresql_where=sa.text("read_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.String(300))
    url: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Adjudication(Base):
    """A third reviewer's settlement of a flagged disagreement: a claim (one adjudicator at a
    time), then the final scores that replace the aggregate. Statuses and their writes:
    app/reviews/adjudication_lifecycle.py, the only writer of `status`."""

    __tablename__ = "adjudication"
    __table_args__ = (
        sa.CheckConstraint("status IN ('claimed','settled')", name="status_known"),
        sa.CheckConstraint(
            "recommendation IS NULL OR recommendation IN "
            "('strong_no','no','lean_no','lean_yes','yes','strong_yes')",
            name="recommendation_known",
        ),
    )

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(sa.String(12), default="claimed")
    adjudicator_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    claimed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # set when settled
    settled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    score_percent: Mapped[float | None] = mapped_column(sa.Float)
    recommendation: Mapped[str | None] = mapped_column(sa.String(12))
    # {item_id: {"fraction": f, "levels": [...], "points": [...]}}: the final score of each item
    items: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=sa.text("'{}'::jsonb"))
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # the aggregate it replaced: {"score_percent", "recommendation", "items": {item_id: fraction}}
    before: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=sa.text("'{}'::jsonb"))


class ReviewAnnotation(Base):
    """A mentor's comment on a span of a candidate's free-text answer: offsets in Unicode code
    points into the stored answer text (`answer_revision`), end exclusive; `quote` is that span."""

    __tablename__ = "review_annotation"
    __table_args__ = (
        sa.CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span_valid"),
        sa.Index("ix_review_annotation_review_item", "review_id", "item_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    review_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt_item.id", ondelete="CASCADE"), index=True
    )
    answer_revision: Mapped[int] = mapped_column(sa.BigInteger)
    start_offset: Mapped[int] = mapped_column(sa.BigInteger)
    end_offset: Mapped[int] = mapped_column(sa.BigInteger)
    quote: Mapped[str] = mapped_column(sa.Text)
    comment: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class InterviewerNote(AutosavedText, Base):
    """A mentor's private notes on an attempt they interviewed live (issue 20), autosaved with the
    answers' protocol (compare-and-swap on `revision`, the last saves' ids for retries). They
    prefill that mentor's review draft of the attempt while it has never been saved, and the
    review page shows them beside the live log. Only their author sees them."""

    __tablename__ = "interviewer_note"

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
