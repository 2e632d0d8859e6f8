"""Item and rater statistics: pure functions, no I/O (the SQL in repository.py feeds them).

Definitions (the analytics pages say the same):
- **Facility** of an item: the mean score as a fraction of its maximum (0 = nobody scores,
  1 = everybody scores everything). Moodle calls it the facility index.
- **Discrimination**: the corrected item-total correlation — Pearson's r between the item's
  score and the candidate's score on the *rest* of the attempt (the item itself left out, so an
  item does not correlate with itself). Near zero or negative: the item does not separate
  stronger from weaker candidates, or the key is wrong.
- **Discriminative efficiency**: discrimination divided by the largest correlation the item's
  facility allows against that rest score (both sorted the same way), as Moodle reports it.
- **Krippendorff's alpha (ordinal)** on rubric levels: 1 = perfect agreement, 0 = what chance
  gives, negative = systematic disagreement.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# flags: below this many scored attempts a figure is shown but not flagged
MIN_ATTEMPTS_FOR_FLAGS = 10
LOW_DISCRIMINATION = 0.1
FACILITY_TOO_EASY = 0.95
FACILITY_TOO_HARD = 0.05


def mean(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.fmean(data) if data else None


def median(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.median(data) if data else None


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None with fewer than 3 pairs or when either side does not vary."""
    if len(xs) != len(ys):
        raise ValueError("pearson needs two sequences of the same length")
    n = len(xs)
    if n < 3:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def corrected_item_total(item: Sequence[float], totals: Sequence[float]) -> float | None:
    """Correlation of the item score with the attempt total minus the item (the 'rest')."""
    rest = [t - x for x, t in zip(item, totals, strict=True)]
    return pearson(item, rest)


def discriminative_efficiency(item: Sequence[float], totals: Sequence[float]) -> float | None:
    """Discrimination ÷ the maximum correlation reachable with the same two marginal distributions."""
    r = corrected_item_total(item, totals)
    if r is None:
        return None
    rest = [t - x for x, t in zip(item, totals, strict=True)]
    best = pearson(sorted(item), sorted(rest))
    if not best or best <= 0:
        return None
    return r / best


def facility(scores: Sequence[float], maximum: float = 1.0) -> float | None:
    if not scores or maximum <= 0:
        return None
    return statistics.fmean(scores) / maximum


def terciles(totals: Mapping[str, float]) -> dict[str, int]:
    """Candidate (attempt) → 0 bottom third, 1 middle, 2 top third, by total score (ties by id)."""
    ordered = sorted(totals, key=lambda k: (totals[k], k))
    n = len(ordered)
    return {key: min(2, (3 * i) // n) for i, key in enumerate(ordered)} if n else {}


@dataclass(frozen=True)
class OptionRow:
    index: int
    text: str
    correct: bool
    chosen: int
    share: float | None
    top: int  # chosen by the top third of candidates
    bottom: int  # chosen by the bottom third
    flag: str = ""


def distractor_table(
    options: Sequence[tuple[str, bool]],
    picks: Sequence[tuple[Sequence[int], int]],
) -> list[OptionRow]:
    """Per option: how often it was chosen overall and by the top and bottom thirds.

    `picks` holds, per answered attempt item, the option indexes chosen and the candidate's
    tercile (0 bottom, 1 middle, 2 top). A distractor nobody picks is flagged, and so is a
    distractor the top third picks more often than the bottom third.
    """
    n = len(picks)
    rows = []
    for index, (label, correct) in enumerate(options):
        chosen = sum(1 for chosen_ids, _ in picks if index in chosen_ids)
        top = sum(1 for chosen_ids, third in picks if third == 2 and index in chosen_ids)
        bottom = sum(1 for chosen_ids, third in picks if third == 0 and index in chosen_ids)
        flag = ""
        if n >= MIN_ATTEMPTS_FOR_FLAGS and chosen == 0:
            flag = "nobody picks this option"
        elif n >= MIN_ATTEMPTS_FOR_FLAGS and not correct and top > bottom:
            flag = "strong candidates pick this distractor more than weak ones"
        rows.append(OptionRow(index, label, correct, chosen, chosen / n if n else None, top, bottom, flag))
    return rows


def item_flags(facility_value: float | None, discrimination: float | None, n: int) -> list[str]:
    """Why an item deserves a look (empty when it looks healthy or rests on too few attempts)."""
    if n < MIN_ATTEMPTS_FOR_FLAGS:
        return []
    flags = []
    if discrimination is not None and discrimination < 0:
        flags.append("negative discrimination: check the key")
    elif discrimination is not None and discrimination < LOW_DISCRIMINATION:
        flags.append("near-zero discrimination")
    if facility_value is not None and facility_value > FACILITY_TOO_EASY:
        flags.append("too easy (facility above 0.95)")
    if facility_value is not None and facility_value < FACILITY_TOO_HARD:
        flags.append("too hard (facility below 0.05)")
    return flags


# ---- rater agreement -------------------------------------------------------------------------------


@dataclass
class Coincidences:
    """Krippendorff's coincidence matrix: o[c][k] summed over units, each unit weighted 1/(m_u - 1)."""

    o: dict[int, dict[int, float]] = field(default_factory=dict)

    def add_unit(self, values: Sequence[int]) -> None:
        m = len(values)
        if m < 2:
            return
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    self.add(c, k, 1.0 / (m - 1))

    def add(self, c: int, k: int, weight: float) -> None:
        row = self.o.setdefault(c, {})
        row[k] = row.get(k, 0.0) + weight

    def add_pair(self, a: int, b: int, weight: float = 1.0) -> None:
        """One pairable unit of two values (both orders, as the matrix is symmetric)."""
        self.add(a, b, weight)
        self.add(b, a, weight)


def krippendorff_alpha_ordinal(units: Sequence[Sequence[int]]) -> float | None:
    """Krippendorff's alpha with the ordinal metric over units of ordered category values."""
    matrix = Coincidences()
    for unit in units:
        matrix.add_unit(unit)
    return alpha_from_coincidences(matrix, metric="ordinal")


def alpha_from_coincidences(matrix: Coincidences, *, metric: str = "ordinal") -> float | None:
    """Alpha from a coincidence matrix; None when there is nothing pairable or no variation."""
    values = sorted(set(matrix.o) | {k for row in matrix.o.values() for k in row})
    n_c = {c: sum(matrix.o.get(c, {}).values()) for c in values}
    n = sum(n_c.values())
    if n <= 1 or len([c for c in values if n_c[c] > 0]) < 2:
        return None

    def delta2(c: int, k: int) -> float:
        if metric == "nominal":
            return 0.0 if c == k else 1.0
        if metric == "interval":
            return float((c - k) ** 2)
        lo, hi = (c, k) if c <= k else (k, c)
        between = sum(n_c[g] for g in values if lo <= g <= hi)
        return (between - (n_c[c] + n_c[k]) / 2.0) ** 2

    observed = sum(matrix.o.get(c, {}).get(k, 0.0) * delta2(c, k) for c in values for k in values)
    expected = sum(n_c[c] * n_c[k] * delta2(c, k) for c in values for k in values)
    if expected <= 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def median_from_bins(counts: Mapping[int, int], edges: Sequence[float]) -> float | None:
    """The median of a histogram (bin i spans edges[i]..edges[i+1]), interpolated inside its bin."""
    total = sum(counts.values())
    if total <= 0:
        return None
    half = total / 2
    seen = 0
    for i in sorted(counts):
        n = counts[i]
        if n and seen + n >= half:
            lo, hi = edges[min(i, len(edges) - 2)], edges[min(i + 1, len(edges) - 1)]
            return lo + (hi - lo) * (half - seen) / n
        seen += n
    return None


# ---- charts' data -------------------------------------------------------------------------------------


def histogram(values: Sequence[float], *, lo: float, hi: float, bins: int) -> list[tuple[float, float, int]]:
    """(bin start, bin end, count) over [lo, hi]; the last bin includes hi."""
    if bins <= 0 or hi <= lo:
        raise ValueError("histogram needs bins > 0 and hi > lo")
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        if v < lo or v > hi:
            continue
        counts[min(bins - 1, int((v - lo) / width))] += 1
    return [(lo + i * width, lo + (i + 1) * width, counts[i]) for i in range(bins)]
