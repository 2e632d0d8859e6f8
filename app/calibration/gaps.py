"""Calibration arithmetic: how far a candidate's predicted rubric levels are from their mentors'.

Pure module. A gap is measured in rubric levels: for one answer, the mean over its criteria of
(predicted level − mentors' mean level); positive means the candidate rated themselves higher
than the mentors did.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.analytics.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, Chart, Mark, Series, Tick

# |mean gap| below this is "well calibrated"
CALIBRATED = 0.25


@dataclass(frozen=True)
class Pair:
    """One self-scored answer with its mentors' levels."""

    area: str
    at: datetime
    source: str  # "attempt" or "practice"
    predicted: Sequence[int | None]
    mentors: Sequence[Sequence[int]]  # level index per criterion, one list per mentor


def answer_gap(predicted: Sequence[int | None], mentors: Sequence[Sequence[int]]) -> float | None:
    """Mean over the criteria both sides scored of (predicted − mentors' mean); None if none are."""
    diffs = []
    for c, p in enumerate(predicted):
        scored = [m[c] for m in mentors if c < len(m) and m[c] is not None]
        if p is not None and scored:
            diffs.append(p - sum(scored) / len(scored))
    return sum(diffs) / len(diffs) if diffs else None


@dataclass(frozen=True)
class AreaCalibration:
    area: str
    count: int
    mean: float
    spread: float  # standard deviation of the answers' gaps (0 for a single answer)
    from_practice: int

    @property
    def sentence(self) -> str:
        if abs(self.mean) < CALIBRATED:
            return f"You are well calibrated on {self.area} (within {CALIBRATED:g} levels)."
        way = "overrate" if self.mean > 0 else "underrate"
        return f"You {way} yourself on {self.area} by {abs(self.mean):.1f} levels."


def _gaps(pairs: Sequence[Pair]) -> list[tuple[Pair, float]]:
    out = []
    for p in pairs:
        g = answer_gap(p.predicted, p.mentors)
        if g is not None:
            out.append((p, g))
    return out


def by_area(pairs: Sequence[Pair]) -> list[AreaCalibration]:
    """Mean and spread of the gap per area, largest |mean| first."""
    groups: dict[str, list[tuple[Pair, float]]] = defaultdict(list)
    for p, g in _gaps(pairs):
        groups[p.area].append((p, g))
    rows = [
        AreaCalibration(
            area,
            len(items),
            statistics.fmean(g for _, g in items),
            statistics.pstdev([g for _, g in items]) if len(items) > 1 else 0.0,
            sum(1 for p, _ in items if p.source == "practice"),
        )
        for area, items in groups.items()
    ]
    return sorted(rows, key=lambda r: (-abs(r.mean), r.area))


def week_of(at: datetime) -> datetime:
    start = at - timedelta(days=at.weekday())
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


Week = tuple[datetime, float, int, float]  # week, mean gap, answers, spread (standard deviation)


def weekly(pairs: Sequence[Pair]) -> dict[str, list[Week]]:
    """Per area: (week, mean gap, answers, spread) for each week with self-scored answers, oldest first."""
    cells: dict[str, dict[datetime, list[float]]] = defaultdict(lambda: defaultdict(list))
    for p, g in _gaps(pairs):
        cells[p.area][week_of(p.at)].append(g)
    return {
        area: [(w, statistics.fmean(gs), len(gs), statistics.pstdev(gs)) for w, gs in sorted(weeks.items())]
        for area, weeks in sorted(cells.items())
    }


def chart(series: dict[str, list[Week]], *, limit: float = 4.0) -> Chart:
    """Weekly mean gap per area (levels, −limit..+limit), a whisker of ± one standard deviation
    around each mean, and the zero line as a grid line."""
    title = "Calibration gap per area over time"
    weeks = sorted({w for pts in series.values() for w, _, _, _ in pts})
    if not weeks:
        return Chart(title, "Week", "Predicted − mentor (levels)", [], [], [], [])
    lo = weeks[0].timestamp()
    hi = weeks[-1].timestamp() if len(weeks) > 1 else lo + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(t: float) -> float:
        # a single week sits in the middle instead of on the axis
        return LEFT + (0.5 if hi == lo + 1 else (t - lo) / (hi - lo)) * plot_w

    def sy(v: float) -> float:
        v = max(-limit, min(limit, v))
        return TOP + (1 - (v + limit) / (2 * limit)) * plot_h

    drawn = [
        Series(
            area,
            f"series-{i % 6}",
            [
                Mark(
                    sx(w.timestamp()),
                    sy(g),
                    label=f"{area}, week of {w:%d %b}: {g:+.1f} levels ({n} answers)",
                )
                for w, g, n, _ in pts
            ],
        )
        for i, (area, pts) in enumerate(series.items())
    ]
    whiskers = [
        Mark(
            sx(w.timestamp()),
            sy(g + sd),
            0.0,
            sy(g - sd) - sy(g + sd),
            f"{area}, week of {w:%d %b}: spread ±{sd:.1f} levels",
            f"whisker series-{i % 6}",
        )
        for i, (area, pts) in enumerate(series.items())
        for w, g, _, sd in pts
        if sd > 0
    ]
    step = max(1, len(weeks) // 6)
    x_ticks = [Tick(sx(weeks[i].timestamp()), f"{weeks[i]:%d %b}") for i in range(0, len(weeks), step)]
    y_ticks = [Tick(sy(v), f"{v:+g}" if v else "0") for v in (-limit, -limit / 2, 0, limit / 2, limit)]
    return Chart(title, "Week", "Predicted − mentor (levels)", x_ticks, y_ticks, whiskers, drawn)
