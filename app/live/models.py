"""A live session: one per booking, opened by the mentor, tied to the candidate's attempt."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

# States and their transitions: app/live/lifecycle.py (LiveState), the only writer of `state`.


class LiveSession(Base):
    """The live side of a booking. Created `scheduled` when the booking is made (or at the latest
    when it is opened); `attempt_id` is set when the mentor opens it."""

    __tablename__ = "live_session"
    __table_args__ = (
        sa.CheckConstraint("state IN ('scheduled','open','ended','cancelled')", name="state_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    booking_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("booking.id", ondelete="CASCADE"), unique=True
    )
    mentor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    attempt_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="SET NULL"), unique=True
    )
    state: Mapped[str] = mapped_column(sa.String(12), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
