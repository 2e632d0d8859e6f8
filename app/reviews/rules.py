"""What a review must contain and what it scores: pure functions over the draft and the pinned items.

A free-text question without rubric criteria is scored on one implicit criterion,
"Overall answer" (0–4 points), so that every free-text answer gets a score.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import escape

from app.questions import kinds
from app.reviews import scoring
from app.reviews.schemas import SIGNAL_SCALE, ItemDraft, ReviewDraft
from app.reviews.schemas import field as form_field

_DEFAULT_LEVELS = (
    (0, "Missing, or wrong in its essentials."),
    (1, "Major gaps or errors."),
    (2, "Partly correct; important points missing."),
    (3, "Mostly correct with minor gaps."),
    (4, "Complete, correct and precise."),
)
DEFAULT_RUBRIC: dict[str, Any] = {
    "criteria": [
        {
            "name": "Overall answer",
            "points": 4,
            "levels": [
                {"points": p, "descriptor": d, "descriptor_html": str(escape(d))} for p, d in _DEFAULT_LEVELS
            ],
        }
    ],
    "key_points": [],
    "key_points_html": [],
    "misconceptions": [],
}


def effective_rubric(rubric: Mapping[str, Any] | None) -> dict[str, Any]:
    """The question's rubric, or the implicit one-criterion rubric when it has no criteria."""
    if rubric and rubric.get("criteria"):
        return dict(rubric)
    out = dict(DEFAULT_RUBRIC)
    if rubric:
        for key in ("key_points", "key_points_html", "misconceptions", "notes"):
            if rubric.get(key):
                out[key] = rubric[key]
    return out


@dataclass(frozen=True)
class ItemContext:
    """What the rules need to know about one pinned item."""

    item_id: uuid.UUID
    kind: str
    max_points: float
    auto_points: float | None  # objective items: the score set at finalisation
    rubric: dict[str, Any] = field(default_factory=dict)  # effective rubric (free text)
    follow_up_count: int = 0
    hint_count: int = 0

    @property
    def is_free_text(self) -> bool:
        """Graded by mentors on the rubric (a kind that is not objective: free text)."""
        return not kinds.get(self.kind).objective

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return list(self.rubric.get("criteria", [])) if self.is_free_text else []

    @property
    def auto_fraction(self) -> float | None:
        if self.auto_points is None or self.max_points <= 0:
            return None
        return self.auto_points / self.max_points

    @property
    def misconception_codes(self) -> list[str]:
        return [m["code"] for m in self.rubric.get("misconceptions", [])]


def normalised(draft: ReviewDraft, items: Sequence[ItemContext]) -> ReviewDraft:
    """The draft restricted to the attempt's items, with one level slot per criterion."""
    out: dict[uuid.UUID, ItemDraft] = {}
    for ctx in items:
        d = draft.items.get(ctx.item_id) or ItemDraft()
        n = len(ctx.criteria)
        levels = (list(d.levels) + [None] * n)[:n]
        out[ctx.item_id] = d.model_copy(update={"levels": levels})
    return draft.model_copy(update={"items": out})


def check(draft: ReviewDraft, items: Sequence[ItemContext], *, complete: bool) -> dict[str, str]:
    """Field errors keyed by form field name; `complete` adds the checks a submit needs."""
    errors: dict[str, str] = {}
    for ctx in items:
        d = draft.items.get(ctx.item_id) or ItemDraft()
        for c, crit in enumerate(ctx.criteria):
            level = d.levels[c] if c < len(d.levels) else None
            name = form_field(ctx.item_id, f"level-{c}")
            if level is None:
                if complete:
                    errors[name] = f"Choose a level for “{crit['name']}”."
            elif not 0 <= level < len(crit["levels"]):
                errors[name] = "No such level."
        n_kp = len(ctx.rubric.get("key_points", [])) if ctx.is_free_text else 0
        if any(not 0 <= k < n_kp for k in d.key_points):
            errors[form_field(ctx.item_id, "kp")] = "No such key point."
        unknown = [m for m in d.misconceptions if m not in ctx.misconception_codes and m != "other"]
        if unknown:
            errors[form_field(ctx.item_id, "mc")] = "Unknown misconception."
        if "other" in d.misconceptions and not d.other_misconception.strip() and complete:
            errors[form_field(ctx.item_id, "mc-other")] = "Describe the other misconception."
        if any(not 0 <= k < ctx.follow_up_count for k in d.follow_ups):
            errors[form_field(ctx.item_id, "fu")] = "No such follow-up."
        if any(not 0 <= k < ctx.hint_count for k in d.hints):
            errors[form_field(ctx.item_id, "hint")] = "No such hint."
        if d.override is not None:
            if ctx.is_free_text:
                errors[form_field(ctx.item_id, "override")] = "Free-text answers are scored on the rubric."
            elif not 0 <= d.override <= ctx.max_points:
                errors[form_field(ctx.item_id, "override")] = f"Between 0 and {ctx.max_points:g}."
            elif complete and not d.override_reason.strip():
                errors[form_field(ctx.item_id, "override-reason")] = "An override needs a reason."
    for name, value in draft.signals.items():
        if name not in scoring.DEFAULT_SIGNALS:
            errors[f"signal-{name}"[:80]] = "Unknown signal."
        elif value is not None and value not in SIGNAL_SCALE:
            errors[f"signal-{name}"] = "Rate from 1 to 4."
    if draft.recommendation is not None and draft.recommendation not in scoring.RECOMMENDATIONS:
        errors["recommendation"] = "Unknown recommendation."
    if complete:
        for name in scoring.DEFAULT_SIGNALS:
            if draft.signals.get(name) is None:
                errors[f"signal-{name}"] = "Rate this signal."
        if draft.recommendation is None:
            errors["recommendation"] = "Choose a recommendation."
        if not draft.summary.strip():
            errors["summary"] = "Write a summary for the candidate."
    return errors


def item_points(ctx: ItemContext, d: ItemDraft) -> list[float | None]:
    return scoring.criterion_points({"criteria": ctx.criteria}, d.levels) if ctx.is_free_text else []


def item_fraction(ctx: ItemContext, d: ItemDraft) -> float | None:
    """The item's fraction 0..1 in this review (None while incomplete)."""
    if ctx.is_free_text:
        return scoring.answer_fraction({"criteria": ctx.criteria}, d.levels)
    override = None if d.override is None or ctx.max_points <= 0 else d.override / ctx.max_points
    auto = ctx.auto_fraction if ctx.auto_fraction is not None else 0.0
    return scoring.item_fraction(auto, override, d.override_reason or None)


def review_percent(draft: ReviewDraft, items: Sequence[ItemContext]) -> float | None:
    return scoring.attempt_percent(
        [item_fraction(ctx, draft.items.get(ctx.item_id) or ItemDraft()) for ctx in items]
    )


@dataclass(frozen=True)
class Aggregate:
    percent: float | None
    recommendation: str | None
    flagged: bool
    score_spread: float
    recommendation_spread: int


def aggregate(
    per_item: Mapping[uuid.UUID, Sequence[float]],
    recommendations: Sequence[str],
    free_text_items: Sequence[uuid.UUID],
    *,
    threshold: float,
) -> Aggregate:
    """Mean fraction per item → attempt percent; median recommendation; disagreement on any free-text item."""
    fractions = [sum(v) / len(v) if v else None for v in per_item.values()]
    # an attempt without free text can still disagree on the recommendation
    series = [list(per_item.get(i, [])) for i in free_text_items] or [[0.0]]
    spread, rec_spread, flagged = 0.0, 0, False
    for values in series:
        d = scoring.disagreement(values or [0.0], recommendations, threshold=threshold)
        flagged = flagged or d.flagged
        spread = max(spread, d.score_spread)
        rec_spread = max(rec_spread, d.recommendation_spread)
    return Aggregate(
        scoring.attempt_percent(fractions),
        scoring.median_recommendation(recommendations),
        flagged,
        spread,
        rec_spread,
    )
