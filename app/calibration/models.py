"""A candidate's prediction of their own score on a free-text answer, made after submitting."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SelfAssessment(Base):
    """The candidate's predicted level per rubric criterion for one free-text item (one row per item)."""

    __tablename__ = "self_assessment"

    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt_item.id", ondelete="CASCADE"), primary_key=True
    )
    # level index per criterion of the item's effective rubric (app.reviews.rules.effective_rubric)
    levels: Mapped[list[int]] = mapped_column(JSONB)
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
