"""Scoring rules: levels → points → answer → attempt; overrides; aggregation; disagreement; alpha."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.reviews.scoring import (
    RECOMMENDATIONS,
    ScoringError,
    answer_fraction,
    attempt_percent,
    criterion_points,
    disagreement,
    item_fraction,
    krippendorff_alpha_interval,
    mean_per_criterion,
    median_recommendation,
    pseudonym,
)

RUBRIC = {
    "criteria": [
        {"name": "Derivation", "points": 4, "levels": [{"points": 0}, {"points": 2}, {"points": 4}]},
        {"name": "Intuition", "points": 3, "levels": [{"points": 0}, {"points": 1}, {"points": 3}]},
        {"name": "Communication", "points": 3, "levels": [{"points": 1}, {"points": 3}]},
    ]
}


def test_levels_to_points_to_answer_to_attempt() -> None:
    assert criterion_points(RUBRIC, [2, 1, 0]) == [4.0, 1.0, 1.0]
    assert answer_fraction(RUBRIC, [2, 1, 0]) == pytest.approx(0.6)
    assert answer_fraction(RUBRIC, [2, None, 0]) is None
    # two objective items (1.0 and 0.5) and the free-text answer at 0.6
    assert attempt_percent([1.0, 0.5, 0.6]) == 70.0
    assert attempt_percent([1.0, None]) is None


def test_bad_levels_are_refused() -> None:
    with pytest.raises(ScoringError):
        criterion_points(RUBRIC, [3, 0, 0])
    with pytest.raises(ScoringError):
        criterion_points(RUBRIC, [0, 0])


def test_overrides_need_a_reason() -> None:
    assert item_fraction(0.5, None, None) == 0.5
    assert item_fraction(0.5, 1.0, "accepted an equivalent form") == 1.0
    with pytest.raises(ScoringError):
        item_fraction(0.5, 1.0, "  ")
    with pytest.raises(ScoringError):
        item_fraction(0.5, 1.5, "too much")


def test_aggregate_over_two_reviewers() -> None:
    a, b = criterion_points(RUBRIC, [2, 1, 1]), criterion_points(RUBRIC, [1, 2, 1])
    assert mean_per_criterion([a, b]) == [3.0, 2.0, 3.0]
    assert median_recommendation(["yes", "lean_no"]) == "lean_yes"  # halfway
    assert median_recommendation(["yes", "strong_no"]) == "lean_no"
    assert median_recommendation(["yes", "lean_yes"]) == "lean_yes"  # between two steps: towards no
    assert median_recommendation(["no", "yes", "strong_yes", "lean_no"]) == "lean_yes"
    assert median_recommendation(["yes", "strong_yes", "no"]) == "yes"
    d = disagreement([0.9, 0.4], ["yes", "no"])
    assert d.flagged and d.score_spread == 0.5 and d.recommendation_spread == 3
    assert not disagreement([0.7, 0.6], ["yes", "lean_yes"]).flagged


@given(st.lists(st.sampled_from(RECOMMENDATIONS), min_size=1, max_size=7))
def test_median_is_between_the_middle_values(recs: list[str]) -> None:
    m = median_recommendation(recs)
    ranks = sorted(RECOMMENDATIONS.index(r) for r in recs)
    low, high = ranks[(len(ranks) - 1) // 2], ranks[len(ranks) // 2]
    assert low <= RECOMMENDATIONS.index(m) <= high  # type: ignore[arg-type]
    if len(recs) % 2:  # an odd count: one of the given
        assert m in recs


@given(st.integers(0, 2), st.integers(0, 2), st.integers(0, 1))
def test_answer_fraction_is_between_0_and_1(a: int, b: int, c: int) -> None:
    f = answer_fraction(RUBRIC, [a, b, c])
    assert f is not None and 0.0 <= f <= 1.0


def test_pseudonym_is_stable_and_hides_identity() -> None:
    a = pseudonym("secret", "attempt-1")
    assert a == pseudonym("secret", "attempt-1")
    assert a != pseudonym("secret", "attempt-2")
    assert a != pseudonym("other-secret", "attempt-1")


def test_krippendorff_alpha_known_values() -> None:
    assert krippendorff_alpha_interval([[1, 1], [2, 2], [3, 3]]) == pytest.approx(1.0)
    # Hand computation: units (1,2),(3,3): D_o = (2*1)/4 = 0.5; values 1,2,3,3: D_e = 22/12
    assert krippendorff_alpha_interval([[1, 2], [3, 3]]) == pytest.approx(1 - 0.5 / (22 / 12))
    assert krippendorff_alpha_interval([[1]]) is None
    assert krippendorff_alpha_interval([[2, 2], [2, 2]]) is None
    alpha = krippendorff_alpha_interval([[1, 5], [5, 1], [2, 4]])
    assert alpha is not None and alpha < 0 and math.isfinite(alpha)
