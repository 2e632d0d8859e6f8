"""Read models of the booking JSON API (app/booking/api.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.booking.repository import BookingRow, SlotRow
from app.kit.readmodel import read_model


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
        formats = [FormatRef(id=f.id, title=f.title) for f in r.formats]
        return read_model(cls, r.slot, mentor_name=r.mentor_name, formats=formats)


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
        return read_model(
            cls,
            b,
            format_title=r.format_title,
            mentor_name=r.mentor_name,
            candidate_name=r.candidate_name,
            session_url=f"/bookings/{b.id}",
            ics_url=f"/bookings/{b.id}/calendar.ics",
        )


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_id: uuid.UUID
