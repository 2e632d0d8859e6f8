"""JSON models of the anchor API (issue 21)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AnchorCreate(BaseModel):
    """A real answer (`item_id`) or a written one (`question_id` + `answer_text`) with its reference."""

    model_config = ConfigDict(extra="forbid")

    question_id: uuid.UUID | None = None
    item_id: uuid.UUID | None = None
    format_id: uuid.UUID
    # the texts' limits are the service's (app/calibration/anchors.py: 422 with the field's message)
    answer_text: str = Field(default="", json_schema_extra={"maxLength": 20_000})
    levels: list[int | None] = Field(max_length=50)
    recommendation: str = Field(max_length=20)
    rationale: str = Field(json_schema_extra={"maxLength": 2_000})


class AnchorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    question_id: uuid.UUID
    version_id: uuid.UUID
    format_id: uuid.UUID
    source_item_id: uuid.UUID | None
    answer_text: str
    reference_levels: list[int]
    reference_recommendation: str
    rationale: str
    active: bool
    created_at: datetime


class CriterionRevealRead(BaseModel):
    name: str
    max_points: float
    reference_level: int
    reference_points: float
    mine_level: int | None
    mine_points: float | None


class RevealRead(BaseModel):
    criteria: list[CriterionRevealRead]
    reference_recommendation: str
    mine_recommendation: str | None
    rationale_html: str
    calibration_set: bool
