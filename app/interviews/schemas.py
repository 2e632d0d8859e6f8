"""Format documents (admin form, seed file, API), the answer wire format and API models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.interviews.deadlines import ExpiryMode
from app.questions.native import Kind

TopicFilter = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}(/[a-z0-9][a-z0-9-]{0,62})?$")
]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
KeysShown = Literal["at_submit", "after_release", "never"]
MAX_TEXT_CHARS = 50_000  # a free-text answer; longer is refused with 413
MAX_NUMBER_CHARS = 64


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Slot(_Strict):
    """A fixed question (by id or seed external id), or `count` drawn from a filtered pool."""

    question_id: uuid.UUID | None = None
    external_id: Annotated[str, StringConstraints(max_length=63)] | None = None
    count: int = Field(default=1, ge=1, le=50)
    topic: TopicFilter | None = None  # an area ("optimisation") or a topic ("optimisation/convexity")
    tags: list[Tag] = Field(default_factory=list, max_length=10)  # all must be present
    kinds: list[Kind] = Field(default_factory=list)
    min_difficulty: int = Field(default=1, ge=1, le=3)
    max_difficulty: int = Field(default=3, ge=1, le=3)

    @model_validator(mode="after")
    def _coherent(self) -> Slot:
        if self.min_difficulty > self.max_difficulty:
            raise ValueError("min_difficulty is above max_difficulty")
        if self.question_id is not None and self.external_id is not None:
            raise ValueError("a fixed slot names one question: question_id or external_id")
        if self.is_fixed and self.count != 1:
            raise ValueError("a fixed slot holds exactly one question")
        return self

    @property
    def is_fixed(self) -> bool:
        return self.question_id is not None or self.external_id is not None

    def describe(self) -> str:
        if self.is_fixed:
            return f"question {self.external_id or self.question_id}"
        parts = [f"{self.count} from {self.topic or 'any topic'}"]
        if self.tags:
            parts.append("tags " + ", ".join(self.tags))
        if self.kinds:
            parts.append("kinds " + ", ".join(k.value for k in self.kinds))
        if (self.min_difficulty, self.max_difficulty) != (1, 3):
            parts.append(f"difficulty {self.min_difficulty}–{self.max_difficulty}")
        return "; ".join(parts)


class FormatDoc(_Strict):
    """Everything an admin sets on a format (seed file, admin form, API)."""

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")] | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5_000)] = ""
    slots: list[Slot] = Field(min_length=1, max_length=30)
    time_limit_minutes: float = Field(gt=0, le=600)
    soft_limit_minutes: float | None = Field(default=None, gt=0, le=600)
    navigation: Literal["free", "linear"] = "free"
    expiry_mode: ExpiryMode = ExpiryMode.autosubmit
    grace_seconds: int = Field(default=0, ge=0, le=3600)
    reviewers_required: int = Field(default=1, ge=1, le=3)
    blind_review: bool = False
    auto_release: bool = False
    # after an adjudication, the candidate sees the original reviews too (not only the result)
    adjudication_shows_originals: bool = True
    attempts_allowed: int | None = Field(default=None, ge=1, le=1000)
    # when objective keys are shown; with retakes, "at_submit" lets a blank attempt harvest keys
    keys_shown: KeysShown = "after_release"
    status: Literal["draft", "published", "closed"] = "draft"

    @model_validator(mode="after")
    def _grace(self) -> FormatDoc:
        if self.expiry_mode is ExpiryMode.grace and self.grace_seconds <= 0:
            raise ValueError("grace mode needs a grace period (seconds)")
        return self

    @property
    def time_limit_seconds(self) -> int:
        return round(self.time_limit_minutes * 60)

    @property
    def soft_limit_seconds(self) -> int | None:
        return None if self.soft_limit_minutes is None else round(self.soft_limit_minutes * 60)


# any printable text up to 64 characters (a UUID is typical); stored, never interpreted
SaveId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]


class AnswerIn(BaseModel):
    """A save (compare-and-swap). Unknown fields (score, state, deadline, …) are ignored, never stored.

    `base_revision`: the stored revision the text is based on (0 = nothing stored yet).
    `save_id`: chosen by the client, one per distinct value it sends; an identical retry reuses it.
    The answer itself is one field named by the item's kind (`text`, `choice`, `choices`, `number`,
    …: `answer_field` in app/questions/kinds/), parsed by that kind.
    """

    model_config = ConfigDict(extra="ignore")

    base_revision: int = Field(ge=0, le=2**62)
    save_id: SaveId


class SaveResult(BaseModel):
    """200: the answer is stored (committed) as `revision`."""

    status: Literal["saved", "unchanged"] = Field(
        description="saved: stored now or by an earlier identical request (same save_id); "
        "unchanged: the stored answer already had this content"
    )
    revision: int = Field(description="the stored revision: send it as base_revision of the next save")
    save_id: str | None
    saved_at: datetime | None
    remaining_seconds: float = Field(description="seconds left to edit, by the server's clock")
    deadline_at: datetime | None
    phase: Literal["open", "grace", "over"]


class SaveConflict(BaseModel):
    """409. reason stale: the stored revision is not your base_revision; nothing was written.
    Show both versions; to keep yours, save again with base_revision = revision (explicitly)."""

    error: str
    reason: Literal["stale", "closed", "moved_on"]
    revision: int | None = None
    value: dict[str, Any] | None = None
    saved_at: datetime | None = None
    save_id: str | None = None


class FormatRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str | None
    title: str
    description: str
    time_limit_seconds: int
    soft_limit_seconds: int | None
    navigation: str
    expiry_mode: str
    grace_seconds: int
    attempts_allowed: int | None
    keys_shown: str
    status: str


class ItemRead(BaseModel):
    id: uuid.UUID
    position: int
    kind: str
    title: str
    prompt_html: str
    options_html: list[str]
    unit: str | None
    view: dict[str, Any] = Field(
        default_factory=dict,
        description="what the answer form shows besides the prompt, by kind (never the key)",
    )
    answer: dict[str, Any] | None
    revision: int  # the stored revision (0: nothing stored): the base of the next save
    save_id: str | None = None  # the save that stored it (the page tells its own saves apart)
    flagged: bool = False  # the candidate's own "flag for review" mark
    score: float | None = None
    correct: list[int] | None = None
    correct_text: str | None = None
    reference_html: str | None = None
    feedback_html: list[str] | None = None
    max_points: float = 1.0


class AttemptRead(BaseModel):
    id: uuid.UUID
    format_id: uuid.UUID
    format_title: str
    state: str
    counted: bool
    needs_review: bool
    started_at: datetime
    deadline_at: datetime
    finished_at: datetime | None
    remaining_seconds: float
    phase: str
    expiry_mode: str
    grace_seconds: int
    navigation: str
    current_position: int
    auto_score: float | None
    auto_max: float | None
    # whether the objective keys (correct, correct_text, per-item score, explanations) are included
    keys_shown: bool = False
    items: list[ItemRead]


class AttemptStatus(BaseModel):
    """What a waiting page needs to know, by the server's clock (polled every few seconds)."""

    state: str
    phase: Literal["open", "grace", "over"] = Field(
        description="open: answers may change; grace: only submit; over: the server finalises it"
    )
    remaining_seconds: float = Field(description="seconds left to edit answers")
    deadline_at: datetime
    expiry_mode: str
    submit_until: datetime = Field(description="the candidate's own submit is accepted until then")
