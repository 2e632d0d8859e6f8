"""Read models of the booking JSON API (app/booking/api.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.booking.repository import BookingRow, SlotRow


class FormatRef(BaseModel):
    id: uuid.UUID
    title: str


class SlotRead(BaseModel):
    id: uuid.UUID
    mentor_id: uuid.UUID
    mentor_name: str
    starts_at: datetime
    ends_at: datetime
    formats: list[FormatRef]

    @classmethod
    def of(cls, r: SlotRow) -> SlotRead:
        s = r.slot
        return cls(
            id=s.id,
            mentor_id=s.mentor_id,
            mentor_name=r.mentor_name,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            formats=[FormatRef(id=f.id, title=f.title) for f in r.formats],
        )


class BookingRead(BaseModel):
    id: uuid.UUID
    slot_id: uuid.UUID
    status: str
    starts_at: datetime
    ends_at: datetime
    format_id: uuid.UUID
    format_title: str
    mentor_name: str
    candidate_name: str
    session_url: str
    ics_url: str

    @classmethod
    def of(cls, r: BookingRow) -> BookingRead:
        b = r.booking
        return cls(
            id=b.id,
            slot_id=b.slot_id,
            status=b.status,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            format_id=b.format_id,
            format_title=r.format_title,
            mentor_name=r.mentor_name,
            candidate_name=r.candidate_name,
            session_url=f"/bookings/{b.id}",
            ics_url=f"/bookings/{b.id}/calendar.ics",
        )


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_id: uuid.UUID
