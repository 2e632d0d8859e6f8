"""Chart geometry for server-rendered SVG (templates/analytics/_charts.html draws it).

Pure functions from data to pixel coordinates. The SVG is inline in the page, styled by
classes in app.css (no style attributes, no script: the CSP stays strict), with a <title> per
mark and a data table beside every chart for screen readers and for people who prefer numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    w: float = 0.0
    h: float = 0.0
    label: str = ""
    css: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: list[Mark]

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))


@dataclass(frozen=True)
class Chart:
    title: str
    x_label: str
    y_label: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    marks: list[Mark]
    series: list[Series]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_w: int = WIDTH - LEFT - RIGHT
    plot_h: int = HEIGHT - TOP - BOTTOM


def _sx(v: float, lo: float, hi: float) -> float:
    return LEFT + (v - lo) / (hi - lo) * (WIDTH - LEFT - RIGHT)


def _sy(v: float, lo: float, hi: float) -> float:
    return TOP + (1 - (v - lo) / (hi - lo)) * (HEIGHT - TOP - BOTTOM)


def item_map(points: list[tuple[str, float, float, bool]]) -> Chart:
    """Facility (x, 0..1) against discrimination (y, −1..1); flagged items drawn apart."""
    marks = [
        Mark(
            _sx(fac, 0, 1),
            _sy(max(-1.0, min(1.0, disc)), -1, 1),
            label=f"{title}: facility {fac:.2f}, discrimination {disc:.2f}",
            css="mark-flagged" if flagged else "mark",
        )
        for title, fac, disc, flagged in points
    ]
    return Chart(
        title="Item map: facility against discrimination",
        x_label="Facility (mean score ÷ maximum)",
        y_label="Discrimination",
        x_ticks=[Tick(_sx(v / 4, 0, 1), f"{v / 4:.2f}") for v in range(5)],
        y_ticks=[Tick(_sy(v / 2, -1, 1), f"{v / 2:+.1f}") for v in range(-2, 3)],
        marks=marks,
        series=[],
    )


def bars(title: str, x_label: str, bins: list[tuple[float, float, int]], *, unit: str = "") -> Chart:
    """A histogram: one bar per (start, end, count)."""
    if not bins:
        return Chart(title, x_label, "Count", [], [], [], [])
    lo, hi = bins[0][0], bins[-1][1]
    top = max(1, max(n for _, _, n in bins))
    marks = []
    for start, end, n in bins:
        x0, x1 = _sx(start, lo, hi), _sx(end, lo, hi)
        y = _sy(n, 0, top)
        marks.append(
            Mark(x0 + 1, y, x1 - x0 - 2, _sy(0, 0, top) - y, f"{start:.0f}–{end:.0f}{unit}: {n}", "bar")
        )
    step = max(1, len(bins) // 5)
    x_ticks = [Tick(_sx(bins[i][0], lo, hi), f"{bins[i][0]:.0f}") for i in range(0, len(bins), step)]
    x_ticks.append(Tick(_sx(hi, lo, hi), f"{hi:.0f}"))
    y_ticks = [Tick(_sy(v, 0, top), str(v)) for v in sorted({0, top // 2, top})]
    return Chart(title, x_label, "Count", x_ticks, y_ticks, marks, [])


def trend(title: str, series: dict[str, list[tuple[datetime, float]]]) -> Chart:
    """Weekly mean score (0..1 shown as %) per named series, one line each."""
    weeks = sorted({w for pts in series.values() for w, _ in pts})
    if not weeks:
        return Chart(title, "Week", "Mean score", [], [], [], [])
    lo = weeks[0].timestamp()
    hi = weeks[-1].timestamp() if len(weeks) > 1 else lo + 1
    drawn = [
        Series(
            name,
            f"series-{i % 6}",
            [
                Mark(
                    _sx(w.timestamp(), lo, hi),
                    _sy(v, 0, 1),
                    label=f"{name}, week of {w:%d %b}: {100 * v:.0f}%",
                )
                for w, v in pts
            ],
        )
        for i, (name, pts) in enumerate(series.items())
    ]
    step = max(1, len(weeks) // 6)
    # one label per distinct week (never two labels for the same date)
    x_ticks = [
        Tick(_sx(weeks[i].timestamp(), lo, hi), f"{weeks[i]:%d %b}") for i in range(0, len(weeks), step)
    ]
    y_ticks = [Tick(_sy(v / 4, 0, 1), f"{25 * v}%") for v in range(5)]
    return Chart(title, "Week", "Mean score", x_ticks, y_ticks, [], drawn)
