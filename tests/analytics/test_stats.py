"""The statistics module against hand-computed values and against scipy / krippendorff."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest

from app.analytics import stats


def test_pearson_by_hand() -> None:
    # x = 1,2,3 ; y = 1,3,2: means 2, 2; sxy = (-1)(-1)+0+1*0 = 1; sxx = 2; syy = 2 → r = 0.5
    assert stats.pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert stats.pearson([1, 1, 1], [1, 2, 3]) is None  # no variation
    assert stats.pearson([1, 2], [2, 1]) is None  # too few pairs


def test_corrected_item_total_leaves_the_item_out() -> None:
    item = [1.0, 0.0, 1.0, 0.0]
    totals = [3.0, 1.0, 2.0, 2.0]  # rest = 2, 1, 1, 2
    # item vs rest: means .5 and 1.5; deviations (.5,-.5,.5,-.5) and (.5,-.5,-.5,.5): sxy = 0 → r = 0
    assert stats.corrected_item_total(item, totals) == pytest.approx(0.0)
    # the uncorrected correlation would be positive: the item inflates its own total
    assert stats.pearson(item, totals) > 0.5


def test_facility_and_flags() -> None:
    assert stats.facility([1, 0, 1, 1], 1.0) == pytest.approx(0.75)
    assert stats.facility([], 1.0) is None
    assert stats.item_flags(0.99, 0.3, 50) == ["too easy (facility above 0.95)"]
    assert stats.item_flags(0.5, -0.2, 50) == ["negative discrimination: check the key"]
    assert stats.item_flags(0.02, 0.05, 50) == ["near-zero discrimination", "too hard (facility below 0.05)"]
    assert stats.item_flags(0.99, -0.5, 3) == []  # too few attempts to judge


def test_terciles_split_by_total() -> None:
    thirds = stats.terciles({f"a{i}": float(i) for i in range(9)})
    assert [thirds[f"a{i}"] for i in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_distractor_table() -> None:
    options = [("right", True), ("tempting", False), ("never", False)]
    picks = [([0], 2)] * 6 + [([1], 0)] * 4 + [([1], 2)] * 1 + [([0], 0)] * 1
    rows = stats.distractor_table(options, picks)
    assert [(r.chosen, r.top, r.bottom) for r in rows] == [(7, 6, 1), (5, 1, 4), (0, 0, 0)]
    assert rows[2].flag == "nobody picks this option"
    assert rows[1].flag == ""
    assert rows[0].share == pytest.approx(7 / 12)


def test_alpha_ordinal_by_hand() -> None:
    # Two coders, three units: (1,1), (2,2), (1,2). Coincidences: o11 = 2, o22 = 2, o12 = o21 = 1.
    # n1 = 3, n2 = 3, n = 6. Ordinal delta²(1,2) = (n1 + n2 - (n1 + n2)/2)² = 3² = 9.
    # alpha = 1 - (n-1) * (o12 + o21) * 9 / (2 * n1 * n2 * 9) = 1 - 5 * 2 / 18 = 4/9
    assert stats.krippendorff_alpha_ordinal([[1, 1], [2, 2], [1, 2]]) == pytest.approx(4 / 9)
    assert stats.krippendorff_alpha_ordinal([[1, 1], [2, 2]]) == pytest.approx(1.0)
    assert stats.krippendorff_alpha_ordinal([[1, 1], [1, 1]]) is None  # no variation


@pytest.mark.parametrize("seed", range(8))
def test_alpha_matches_the_krippendorff_package(seed: int) -> None:
    rng = random.Random(seed)
    coders, units = 3, 25
    data = np.full((coders, units), np.nan)
    as_units = []
    for u in range(units):
        truth = rng.randint(0, 4)
        values = []
        for c in range(coders):
            if rng.random() < 0.8:
                v = min(4, max(0, truth + rng.choice([-1, 0, 0, 0, 1])))
                data[c, u] = v
                values.append(v)
        as_units.append(values)
    for metric in ("ordinal", "interval", "nominal"):
        expected = krippendorff.alpha(
            reliability_data=data, level_of_measurement=metric, value_domain=range(5)
        )
        matrix = stats.Coincidences()
        for unit in as_units:
            matrix.add_unit(unit)
        assert stats.alpha_from_coincidences(matrix, metric=metric) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_corrected_item_total_matches_scipy(seed: int) -> None:
    from scipy import stats as sps  # (a second of CPU to import: only where it is used)

    rng = np.random.default_rng(seed)
    items = rng.integers(0, 2, size=(40, 6)).astype(float)
    totals = items.sum(axis=1)
    for j in range(6):
        expected = sps.pearsonr(items[:, j], totals - items[:, j]).statistic
        assert stats.corrected_item_total(list(items[:, j]), list(totals)) == pytest.approx(expected)


def test_histogram() -> None:
    assert stats.histogram([0, 10, 25, 100, 99.9, -1], lo=0, hi=100, bins=4) == [
        (0, 25, 2),
        (25, 50, 1),
        (50, 75, 0),
        (75, 100, 2),
    ]
