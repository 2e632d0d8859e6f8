"""The review draft (autosaved, submitted), its form encoding, and API models."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from app.errors import Invalid
from app.reviews.scoring import DEFAULT_SIGNALS, RECOMMENDATIONS

MAX_COMMENT_CHARS = 20_000
MAX_SHORT_CHARS = 500
SIGNAL_SCALE = (1, 2, 3, 4)
SIGNAL_LABELS = {
    "fundamentals": "Fundamentals",
    "mathematical_rigour": "Mathematical rigour",
    "communication": "Communication",
    "depth": "Depth",
}
SIGNAL_SCALE_LABELS = {1: "Weak", 2: "Mixed", 3: "Solid", 4: "Excellent"}
# The texts' limits are checked by `too_long` (the service: 413 for a draft save, 422 for a submit,
# with the field's message), not by the parser, whose refusal would be a generic 422 for both; the
# schema still documents them.
Comment = Annotated[str, Field(json_schema_extra={"maxLength": MAX_COMMENT_CHARS})]
Short = Annotated[str, Field(json_schema_extra={"maxLength": MAX_SHORT_CHARS})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemDraft(_Strict):
    """A reviewer's (possibly incomplete) verdict on one item."""

    levels: list[int | None] = Field(default_factory=list, max_length=20)
    key_points: list[int] = Field(default_factory=list, max_length=30)
    misconceptions: list[Annotated[str, StringConstraints(max_length=63)]] = Field(
        default_factory=list, max_length=30
    )
    other_misconception: Short = ""
    follow_ups: list[int] = Field(default_factory=list, max_length=10)
    hints: list[int] = Field(default_factory=list, max_length=10)
    comment: Comment = ""
    override: float | None = None  # objective items: points out of the item's maximum
    override_reason: Short = ""


class ReviewDraft(_Strict):
    """Everything a reviewer fills in; drafts may be incomplete, a submit may not."""

    items: dict[uuid.UUID, ItemDraft] = Field(default_factory=dict)
    signals: dict[Annotated[str, StringConstraints(max_length=40)], int | None] = Field(default_factory=dict)
    recommendation: str | None = None
    summary: Comment = ""
    private_note: Comment = ""
    show_name: bool = False


class DraftSave(_Strict):
    """The API's draft save: `revision` is the client's counter (stored when newer)."""

    revision: int = Field(ge=1)
    draft: ReviewDraft


class DraftFormSave(_Strict):
    """The review page's autosave (compare-and-swap, as answers): the form's fields as posted."""

    base_revision: int = Field(ge=0)
    save_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    form: dict[
        Annotated[str, StringConstraints(max_length=120)],
        list[str],  # each text's limit: `too_long`, once the form is read (the body has its own)
    ] = Field(default_factory=dict, max_length=2_000)


def too_long(draft: ReviewDraft) -> dict[str, int]:
    """The draft's texts over their limits: form field name → its limit (empty: none). Never cut
    short: the caller refuses the whole save (app/reviews/drafts.py)."""
    out: dict[str, int] = {}

    def check(name: str, text: str, limit: int) -> None:
        if len(text) > limit:
            out[name] = limit

    check("summary", draft.summary, MAX_COMMENT_CHARS)
    check("private_note", draft.private_note, MAX_COMMENT_CHARS)
    for item_id, d in draft.items.items():
        check(field(item_id, "comment"), d.comment, MAX_COMMENT_CHARS)
        check(field(item_id, "mc-other"), d.other_misconception, MAX_SHORT_CHARS)
        check(field(item_id, "override-reason"), d.override_reason, MAX_SHORT_CHARS)
    return out


# ---- form encoding: the page posts the form as it is (plain submit or the autosave script) --------


def field(item_id: uuid.UUID | str, name: str) -> str:
    return f"i-{item_id}-{name}"


def _ints(values: Sequence[str]) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except ValueError:
            continue
    return out


def draft_from_form(
    form: Mapping[str, Sequence[str]], item_ids: Sequence[uuid.UUID], criteria_counts: Mapping[uuid.UUID, int]
) -> ReviewDraft:
    """Rebuild the draft from form fields (`getlist` semantics). Unknown fields are ignored."""

    def one(name: str) -> str:
        values = form.get(name) or []
        return values[-1] if values else ""

    items: dict[uuid.UUID, ItemDraft] = {}
    for item_id in item_ids:
        levels: list[int | None] = []
        for c in range(criteria_counts.get(item_id, 0)):
            got = _ints([one(field(item_id, f"level-{c}"))]) if one(field(item_id, f"level-{c}")) else []
            levels.append(got[0] if got else None)
        override_raw = one(field(item_id, "override")).strip()
        try:
            override = float(override_raw) if override_raw else None
        except ValueError as err:
            raise Invalid(
                "The override is not a number.", fields={field(item_id, "override"): "Enter a number."}
            ) from err
        items[item_id] = ItemDraft(
            levels=levels,
            key_points=_ints(form.get(field(item_id, "kp")) or []),
            misconceptions=[v for v in (form.get(field(item_id, "mc")) or []) if v][:30],
            other_misconception=one(field(item_id, "mc-other")),
            follow_ups=_ints(form.get(field(item_id, "fu")) or []),
            hints=_ints(form.get(field(item_id, "hint")) or []),
            comment=one(field(item_id, "comment")),
            override=override,
            override_reason=one(field(item_id, "override-reason")),
        )
    signals: dict[str, int | None] = {}
    for name in DEFAULT_SIGNALS:
        raw = _ints([one(f"signal-{name}")]) if one(f"signal-{name}") else []
        signals[name] = raw[0] if raw else None
    recommendation = one("recommendation") or None
    try:
        return ReviewDraft(
            items=items,
            signals=signals,
            recommendation=recommendation if recommendation in RECOMMENDATIONS else None,
            summary=one("summary"),
            private_note=one("private_note"),
            show_name=one("show_name") in ("1", "on", "true"),
        )
    except ValidationError as err:  # pragma: no cover - every value above has the right type
        raise Invalid("The review form is not valid.") from err


def parse_draft(data: Any) -> ReviewDraft:
    try:
        return ReviewDraft.model_validate(data or {})
    except ValidationError as err:
        raise Invalid("The review draft is not valid.", fields={"draft": str(err).splitlines()[0]}) from err


# ---- API models --------------------------------------------------------------------------------


class QueueEntry(BaseModel):
    attempt_id: uuid.UUID
    format_title: str
    candidate: str  # a pseudonym under blind review
    finished_at: datetime | None
    reviews_done: int
    reviews_required: int
    topics: list[str]


@dataclass(frozen=True)
class DraftOutcome:
    status: Literal["saved", "unchanged"]
    revision: int
    saved_at: datetime | None
    expires_at: datetime


class DraftSaved(BaseModel):
    """200 on a draft save: stored (committed) as `revision`, the next base_revision."""

    status: Literal["saved", "unchanged"]
    revision: int
    save_id: str | None = None
    saved_at: datetime | None
    expires_at: datetime

    @classmethod
    def of(cls, out: DraftOutcome, *, save_id: str | None = None) -> DraftSaved:
        return cls(
            status=out.status,
            revision=out.revision,
            save_id=save_id,
            saved_at=out.saved_at,
            expires_at=out.expires_at,
        )


class ReviewSummary(BaseModel):
    id: uuid.UUID
    attempt_id: uuid.UUID
    status: str
    expires_at: datetime
    revision: int


class QueueRead(BaseModel):
    """GET /reviews/queue: attempts by state, and the attempts this mentor may claim, oldest first."""

    counts: dict[str, int]
    items: list[QueueEntry]


class ReviewAttemptRead(BaseModel):
    id: uuid.UUID
    state: str
    format_title: str
    blind: bool
    candidate: str  # a pseudonym under blind review
    finished_at: datetime | None


class ReviewItemRead(BaseModel):
    id: uuid.UUID
    position: int
    kind: str
    title: str
    topic: str
    prompt_html: str
    answer: dict[str, Any]
    reference_html: str
    rubric: dict[str, Any]
    max_points: float
    auto_points: float | None
    time_spent_seconds: float


class ReviewRead(ReviewSummary):
    """GET /reviews/{id}: the mentor's own review with the attempt, its items and the draft."""

    attempt: ReviewAttemptRead
    items: list[ReviewItemRead]
    draft: ReviewDraft
    percent: float | None


class ReviewSubmitted(ReviewSummary):
    score_percent: float | None


class FeedbackReleased(BaseModel):
    attempt_id: uuid.UUID
    state: str


class FeedbackReviewRead(BaseModel):
    reviewer: str  # "Reviewer n", or the name when the reviewer chose to show it
    score_percent: float | None
    recommendation: str | None
    signals: dict[str, int]
    summary_html: str


class FeedbackCriterionRead(BaseModel):
    name: str
    points: float
    mean: float | None
    levels: list[tuple[str, int]]  # (reviewer, level index)


class KeyPointRead(BaseModel):
    html: str
    hit: bool


class CommentRead(BaseModel):
    reviewer: str
    html: str


class AnnotationRead(BaseModel):
    """A reviewer's comment on a span of the answer: code-point offsets into the answer text, end exclusive."""

    reviewer: str
    start: int
    end: int
    quote: str
    comment: str


class AdjudicationRead(BaseModel):
    """The reviewers disagreed; a third reviewer set the final scores (which the feedback shows)."""

    settled_at: datetime
    reason: str
    original_reviews_shown: bool


class FeedbackItemRead(BaseModel):
    id: uuid.UUID
    title: str
    kind: str
    fraction: float | None
    criteria: list[FeedbackCriterionRead]
    key_points: list[KeyPointRead]
    misconceptions: list[str]
    comments: list[CommentRead]
    reference_html: str | None  # objective keys follow the format's policy
    annotations: list[AnnotationRead] = []


class FeedbackRead(BaseModel):
    """GET /attempts/{id}/feedback: the released feedback (the candidate's own)."""

    attempt_id: uuid.UUID
    format_title: str
    score_percent: float | None
    recommendation: str | None
    reviews: list[FeedbackReviewRead]
    items: list[FeedbackItemRead]
    adjudication: AdjudicationRead | None = None


class RatingRead(BaseModel):
    rating: int
    comment: str


# ---- adjudication (app/reviews/api_adjudication.py) ----------------------------------------------


class AdjudicationQueueRead(BaseModel):
    attempt_id: uuid.UUID
    format_title: str
    flagged_at: datetime
    score_spread: float
    recommendation_spread: int
    claimed_until: datetime | None  # a live claim (yours or another adjudicator's)
    claimed_by_you: bool


class AdjudicationStateRead(BaseModel):
    attempt_id: uuid.UUID
    status: str  # claimed | settled
    claimed_until: datetime
    settled_at: datetime | None
    score_percent: float | None
    recommendation: str | None
    reason: str


class AdjudicationFinalItem(BaseModel):
    levels: list[Annotated[int, Field(ge=0, le=50)]] = Field(default=[], max_length=50)  # free text
    percent: float | None = Field(default=None, ge=0, le=100)  # objective items


class AdjudicationSettleIn(BaseModel):
    items: dict[uuid.UUID, AdjudicationFinalItem] = Field(max_length=100)
    recommendation: str = Field(max_length=12)
    reason: str = Field(json_schema_extra={"maxLength": 4_000})  # checked by the service, with its message
