"""Practice answers: untimed, graded at once (objective kinds) or self-scored on the rubric (free text)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class PracticeAnswer(Base):
    """One try at a question in practice mode; never part of an attempt or of any mentor's queue."""

    __tablename__ = "practice_answer"
    __table_args__ = (sa.Index("ix_practice_answer_user_question", "user_id", "question_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    question_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"))
    version_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("question_version.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    seed: Mapped[int | None] = mapped_column(sa.BigInteger)  # parametrised questions: the numbers shown
    value: Mapped[dict[str, Any]] = mapped_column(JSONB)
    score: Mapped[float | None] = mapped_column(sa.Float)  # objective kinds: fraction of the credit
    # free text: the candidate's level index per rubric criterion (None until they scored themselves)
    self_levels: Mapped[list[int] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
