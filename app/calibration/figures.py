"""Per-mentor calibration figures (issue 21): pure functions, no I/O.

- **Deviation from anchors**, per rubric criterion of an anchor the mentor reviewed:
  d = (mentor's points − reference points) ÷ the criterion's maximum, so criteria of different sizes
  weigh alike (−1..1; shown as % of the criterion's maximum).
  *Mean absolute deviation* (MAD) = mean |d|; *bias* = mean d: positive = more lenient than the
  reference, negative = more severe. Per criterion (grouped by the criterion's name), overall, and
  per week of the review's submission (the trend).
- **Agreement with anchors**: the same ordinal alpha over (mentor's level, reference level) pairs of
  the anchors' criteria — how well the mentor's levels follow the reference, overall and per week.
- **Agreement with co-reviewers**: Krippendorff's alpha, ordinal metric, over the rubric levels
  (level index) this mentor and another mentor gave the same criterion of the same real answer.
  Each (mentor's level, other's level) is one pair; a unit of two values contributes both orders
  with weight 1, which is Krippendorff's coincidence matrix for units of two coders, so the figure
  equals the standard alpha over those two-value units (tests compare with the `krippendorff`
  package). Reported with its number of pairs; None when nothing is pairable or nothing varies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.analytics import stats


@dataclass(frozen=True)
class CriterionScore:
    """One criterion of one anchor review: the mentor's points, the reference's, the maximum."""

    criterion: str
    mine: float
    reference: float
    max_points: float
    at: datetime
    mine_level: int = 0
    reference_level: int = 0

    @property
    def d(self) -> float:
        return (self.mine - self.reference) / self.max_points if self.max_points > 0 else 0.0


@dataclass(frozen=True)
class Deviation:
    label: str
    n: int
    mad: float | None
    bias: float | None


def deviation(label: str, scores: Sequence[CriterionScore]) -> Deviation:
    if not scores:
        return Deviation(label, 0, None, None)
    ds = [s.d for s in scores]
    return Deviation(label, len(ds), sum(abs(d) for d in ds) / len(ds), sum(ds) / len(ds))


def per_criterion(scores: Iterable[CriterionScore]) -> list[Deviation]:
    groups: dict[str, list[CriterionScore]] = defaultdict(list)
    for s in scores:
        groups[s.criterion].append(s)
    return [deviation(name, groups[name]) for name in sorted(groups)]


def week_of(at: datetime) -> datetime:
    """Monday 00:00 of the week `at` falls in (same zone)."""
    day = at - timedelta(days=at.weekday())
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Pair:
    """The levels this mentor and one co-reviewer gave the same criterion of the same answer."""

    mine: int
    other: int
    at: datetime


@dataclass(frozen=True)
class Agreement:
    alpha: float | None
    pairs: int


def agreement(pairs: Iterable[Pair]) -> Agreement:
    matrix = stats.Coincidences()
    n = 0
    for p in pairs:
        matrix.add_pair(p.mine, p.other)
        n += 1
    return Agreement(stats.alpha_from_coincidences(matrix) if n else None, n)


@dataclass(frozen=True)
class Week:
    week: datetime
    anchors: Deviation
    co_reviewers: Agreement
    with_anchors: Agreement


def weekly(scores: Sequence[CriterionScore], pairs: Sequence[Pair]) -> list[Week]:
    """The trend: per week with anything in it, the deviation from anchors and the agreement."""
    by_week: dict[datetime, list[CriterionScore]] = defaultdict(list)
    pairs_by_week: dict[datetime, list[Pair]] = defaultdict(list)
    for s in scores:
        by_week[week_of(s.at)].append(s)
    for p in pairs:
        pairs_by_week[week_of(p.at)].append(p)
    weeks = sorted(set(by_week) | set(pairs_by_week))
    return [
        Week(
            w,
            deviation(f"{w:%d %b}", by_week.get(w, [])),
            agreement(pairs_by_week.get(w, [])),
            anchor_agreement(by_week.get(w, [])),
        )
        for w in weeks
    ]


def anchor_agreement(scores: Iterable[CriterionScore]) -> Agreement:
    """Ordinal alpha over the (mentor's level, reference level) pairs of anchor criteria."""
    return agreement(Pair(s.mine_level, s.reference_level, s.at) for s in scores)


@dataclass(frozen=True)
class MentorFigures:
    overall: Deviation
    criteria: list[Deviation]
    co_reviewers: Agreement
    with_anchors: Agreement
    weeks: list[Week]
    anchor_reviews: int


def mentor_figures(
    scores: Sequence[CriterionScore], pairs: Sequence[Pair], anchor_reviews: int
) -> MentorFigures:
    return MentorFigures(
        overall=deviation("All criteria", scores),
        criteria=per_criterion(scores),
        co_reviewers=agreement(pairs),
        with_anchors=anchor_agreement(scores),
        weeks=weekly(scores, pairs),
        anchor_reviews=anchor_reviews,
    )


def trend_series(weeks: Sequence[Week]) -> dict[str, list[tuple[datetime, float]]]:
    """The chart's lines (0..1): MAD from anchors, and co-reviewer alpha clamped at 0."""
    return {
        "Deviation from anchors (MAD)": [(w.week, w.anchors.mad) for w in weeks if w.anchors.mad is not None],
        "Agreement with anchors (alpha)": [
            (w.week, max(0.0, w.with_anchors.alpha)) for w in weeks if w.with_anchors.alpha is not None
        ],
        "Agreement with co-reviewers (alpha)": [
            (w.week, max(0.0, w.co_reviewers.alpha)) for w in weeks if w.co_reviewers.alpha is not None
        ],
    }
