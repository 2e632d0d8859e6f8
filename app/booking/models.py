"""Mentor availability slots and the bookings made on them.

The rules that must hold under concurrency are database constraints (GiST exclusion
constraints over `tstzrange`, created in the migration; core Postgres, no extension), never checks in Python:
- the slots of one mentor never overlap (`availability_slot_no_overlap`);
- a slot has at most one live booking (`uq_booking_slot_live`, a partial unique index);
- a mentor is never booked twice at one time, nor a candidate (`booking_mentor_free`,
  `booking_candidate_free`: exclusion over the live bookings' periods).
A refused insert is turned into a 409 by app/booking/service.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, INET, TSTZRANGE, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

PERIOD = "tstzrange(starts_at, ends_at, '[)')"


def inet_key(column: str) -> str:
    """A uuid as an IPv6 address (both 128 bits: one-to-one). GiST compares inet with `=` in core
    Postgres (`inet_ops`), uuid only with the btree_gist extension, which the embedded test server
    lacks; so the exclusion constraints say "same mentor" on this key."""
    groups = "-".join(["(.{4})(.{4})", "(.{4})", "(.{4})", "(.{4})", "(.{4})(.{4})(.{4})"])
    return f"regexp_replace({column}::text, '^{groups}$', '\\1:\\2:\\3:\\4:\\5:\\6:\\7:\\8')::inet"


def _exclude(key: str, name: str, where: str | None = None) -> ExcludeConstraint:
    return ExcludeConstraint(
        (key, "="),
        ("period", "&&"),
        using="gist",
        ops={key: "inet_ops"},
        name=name,
        **({"where": sa.text(where)} if where else {}),
    )


class AvailabilitySlot(Base):
    """A time a mentor offers for a live mock interview, and the formats they will run in it."""

    __tablename__ = "availability_slot"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("cardinality(format_ids) > 0", name="has_formats"),
        _exclude("mentor_key", "availability_slot_no_overlap"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mentor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    period: Mapped[object] = mapped_column(TSTZRANGE, sa.Computed(PERIOD, persisted=True))
    mentor_key: Mapped[str] = mapped_column(INET, sa.Computed(inet_key("mentor_id"), persisted=True))
    # interview_format ids the mentor will run in this slot (checked against published formats on write)
    format_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(sa.Uuid))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Booking(Base):
    """A candidate's booking of a slot in one of its formats; cancelled bookings are kept."""

    __tablename__ = "booking"
    __table_args__ = (
        sa.CheckConstraint("status IN ('booked','cancelled')", name="status_known"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index(
            "uq_booking_slot_live", "slot_id", unique=True, postgresql_where=sa.text("status = 'booked'")
        ),
        _exclude("mentor_key", "booking_mentor_free", "status = 'booked'"),
        _exclude("candidate_key", "booking_candidate_free", "status = 'booked'"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    slot_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("availability_slot.id", ondelete="CASCADE"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    # copied from the slot so that the exclusion constraints see them on this table
    mentor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    format_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("interview_format.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    period: Mapped[object] = mapped_column(TSTZRANGE, sa.Computed(PERIOD, persisted=True))
    mentor_key: Mapped[str] = mapped_column(INET, sa.Computed(inet_key("mentor_id"), persisted=True))
    candidate_key: Mapped[str] = mapped_column(INET, sa.Computed(inet_key("candidate_id"), persisted=True))
    status: Mapped[str] = mapped_column(sa.String(10), default="booked")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
