"""Scoring rules for reviews: pure functions, no I/O.

How scores are computed (the candidate's feedback page and the API say the same):
- A free-text answer is scored per rubric criterion: the reviewer picks a level, the level's
  points are the criterion's score. Answer fraction = sum of criterion points / rubric maximum.
- An objective item keeps its automatic fraction (0..1) unless a reviewer overrides it, which
  needs a reason.
- With several reviewers, each criterion's score is the mean over reviewers; the answer
  fraction is the mean of the reviewers' fractions (the same number when every reviewer
  scored every criterion).
- Attempt score = mean of item fractions × 100 (every item weighs the same), rounded to 0.1.
- Recommendation over reviewers = the median on the six-step scale; with an even count the
  step halfway between the two middle ones, rounded towards "no" when it falls between two
  steps (the cautious choice): yes + strong no → lean no, yes + lean no → lean yes.
- Disagreement: reviewers' fractions for one answer differ by more than `threshold`, or their
  recommendations by two steps or more → flagged for admins.
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RECOMMENDATIONS = ("strong_no", "no", "lean_no", "lean_yes", "yes", "strong_yes")
RECOMMENDATION_LABELS = {
    "strong_no": "Strong no",
    "no": "No",
    "lean_no": "Lean no",
    "lean_yes": "Lean yes",
    "yes": "Yes",
    "strong_yes": "Strong yes",
}
DEFAULT_SIGNALS = ("fundamentals", "mathematical_rigour", "communication", "depth")


class ScoringError(ValueError):
    pass


def rubric_max(rubric: Mapping[str, Any]) -> float:
    return float(sum(c["points"] for c in rubric.get("criteria", [])))


def criterion_points(rubric: Mapping[str, Any], levels: Sequence[int | None]) -> list[float | None]:
    """Points per criterion for the chosen level indexes (None = not scored yet)."""
    criteria = rubric.get("criteria", [])
    if len(levels) != len(criteria):
        raise ScoringError(f"expected {len(criteria)} criterion levels, got {len(levels)}")
    out: list[float | None] = []
    for crit, level in zip(criteria, levels, strict=True):
        if level is None:
            out.append(None)
            continue
        if not 0 <= level < len(crit["levels"]):
            raise ScoringError(f"level {level} does not exist for criterion {crit['name']!r}")
        out.append(float(crit["levels"][level]["points"]))
    return out


def answer_fraction(rubric: Mapping[str, Any], levels: Sequence[int | None]) -> float | None:
    """Fraction 0..1 of the rubric's points; None until every criterion has a level."""
    points = criterion_points(rubric, levels)
    if any(p is None for p in points):
        return None
    maximum = rubric_max(rubric)
    if maximum <= 0:
        return None
    return sum(p for p in points if p is not None) / maximum


def item_fraction(auto: float | None, override: float | None, override_reason: str | None) -> float | None:
    """An objective item's fraction: the override when given (with a reason), else the automatic one."""
    if override is not None:
        if not (override_reason or "").strip():
            raise ScoringError("an override needs a reason")
        if not 0.0 <= override <= 1.0:
            raise ScoringError("an override is a fraction between 0 and 1")
        return override
    return auto


def attempt_percent(fractions: Sequence[float | None]) -> float | None:
    """Mean of item fractions × 100, or None while any item is unscored."""
    if not fractions or any(f is None for f in fractions):
        return None
    return round(100.0 * sum(f for f in fractions if f is not None) / len(fractions), 1)


def mean_per_criterion(per_reviewer: Sequence[Sequence[float | None]]) -> list[float | None]:
    """Mean points per criterion over the reviewers who scored it."""
    if not per_reviewer:
        return []
    out: list[float | None] = []
    for column in zip(*per_reviewer, strict=True):
        scored = [p for p in column if p is not None]
        out.append(statistics.fmean(scored) if scored else None)
    return out


def median_recommendation(recommendations: Sequence[str]) -> str | None:
    """The median on the ordinal scale; for an even count halfway between the middle two, rounded down."""
    if not recommendations:
        return None
    ranks = sorted(RECOMMENDATIONS.index(r) for r in recommendations)
    low, high = ranks[(len(ranks) - 1) // 2], ranks[len(ranks) // 2]
    return RECOMMENDATIONS[(low + high) // 2]


@dataclass(frozen=True)
class Disagreement:
    flagged: bool
    score_spread: float
    recommendation_spread: int


def disagreement(
    fractions: Sequence[float], recommendations: Sequence[str], *, threshold: float = 0.25
) -> Disagreement:
    spread = max(fractions) - min(fractions) if len(fractions) > 1 else 0.0
    ranks = [RECOMMENDATIONS.index(r) for r in recommendations]
    rec_spread = max(ranks) - min(ranks) if len(ranks) > 1 else 0
    return Disagreement(spread > threshold + 1e-9 or rec_spread >= 2, round(spread, 4), rec_spread)


ADJECTIVES = (
    "Amber",
    "Azure",
    "Bold",
    "Brisk",
    "Calm",
    "Cobalt",
    "Coral",
    "Crisp",
    "Deft",
    "Eager",
    "Fair",
    "Gentle",
    "Golden",
    "Hazel",
    "Ivory",
    "Jade",
    "Keen",
    "Lively",
    "Lucid",
    "Mellow",
    "Nimble",
    "Olive",
    "Quiet",
    "Rapid",
    "Russet",
    "Sage",
    "Scarlet",
    "Silver",
    "Steady",
    "Swift",
    "Teal",
    "Vivid",
)
ANIMALS = (
    "Albatross",
    "Badger",
    "Bison",
    "Crane",
    "Dolphin",
    "Falcon",
    "Fox",
    "Gecko",
    "Heron",
    "Ibis",
    "Jaguar",
    "Kestrel",
    "Lynx",
    "Marten",
    "Narwhal",
    "Ocelot",
    "Otter",
    "Owl",
    "Panda",
    "Puffin",
    "Quokka",
    "Raven",
    "Seal",
    "Stoat",
    "Tapir",
    "Tern",
    "Walrus",
    "Wombat",
    "Yak",
    "Zebra",
    "Koala",
    "Orca",
)


def pseudonym(secret: str, attempt_id: str) -> str:
    """A stable, non-reversible display name for a candidate in blind review of one attempt."""
    digest = hmac.new(secret.encode(), f"pseudonym:{attempt_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[2:4], "big") % 1000
    return f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]} {ANIMALS[digest[1] % len(ANIMALS)]} {number:03d}"


def krippendorff_alpha_interval(units: Sequence[Sequence[float]]) -> float | None:
    """Krippendorff's alpha (interval metric) over units each scored by 2+ coders.

    Units with fewer than two values are ignored; None when nothing is pairable or there is
    no variation at all.
    """
    pairable = [list(u) for u in units if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    if n < 2:
        return None
    observed = 0.0
    for u in pairable:
        m = len(u)
        observed += sum((a - b) ** 2 for i, a in enumerate(u) for j, b in enumerate(u) if i != j) / (m - 1)
    observed /= n
    values = [v for u in pairable for v in u]
    expected = sum((a - b) ** 2 for i, a in enumerate(values) for j, b in enumerate(values) if i != j) / (
        n * (n - 1)
    )
    if expected == 0:
        return None
    return 1.0 - observed / expected
