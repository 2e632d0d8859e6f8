"""Grading objective answers (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.interviews import grading as g

SINGLE = {"options": [{"text": "a", "correct": False}, {"text": "b", "correct": True}]}
MULTI = {
    "options": [{"correct": True}, {"correct": True}, {"correct": False}, {"correct": False}],
    "negative_marks": False,
}
MULTI_NEG = {**MULTI, "negative_marks": True}


def test_single_choice() -> None:
    assert g.grade("single_choice", SINGLE, {"choice": 1}) == 1.0
    assert g.grade("single_choice", SINGLE, {"choice": 0}) == 0.0
    for junk in (None, {}, {"choice": 7}, {"choice": -1}, {"choice": "1"}, {"choice": True}, {"text": "b"}):
        assert g.grade("single_choice", SINGLE, junk) == 0.0  # type: ignore[arg-type]


def test_multiple_choice_partial_credit() -> None:
    assert g.grade("multiple_choice", MULTI, {"choices": [0, 1]}) == 1.0
    assert g.grade("multiple_choice", MULTI, {"choices": [0]}) == 0.5
    assert g.grade("multiple_choice", MULTI, {"choices": [0, 1, 2, 3]}) == 1.0  # no negative marks
    assert g.grade("multiple_choice", MULTI, {"choices": []}) == 0.0


def test_multiple_choice_negative_marks_floor_at_zero() -> None:
    assert g.grade("multiple_choice", MULTI_NEG, {"choices": [0, 1]}) == 1.0
    assert g.grade("multiple_choice", MULTI_NEG, {"choices": [0, 2]}) == 0.0  # 50 - 50
    assert g.grade("multiple_choice", MULTI_NEG, {"choices": [0, 1, 2, 3]}) == 0.0  # tick-all earns nothing
    assert g.grade("multiple_choice", MULTI_NEG, {"choices": [2, 3]}) == 0.0  # floored, not -1
    assert g.grade("multiple_choice", MULTI_NEG, {"choices": [0, 1, 2]}) == 0.5


def test_explicit_weights() -> None:
    data = {"options": [{"correct": True, "weight": 70}, {"correct": True, "weight": 30}, {"weight": -40}]}
    assert g.grade("multiple_choice", data, {"choices": [0]}) == 0.7
    assert g.grade("multiple_choice", data, {"choices": [0, 2]}) == 0.3
    assert g.grade("multiple_choice", data, {"choices": [1, 2]}) == 0.0


@given(st.lists(st.booleans(), min_size=2, max_size=8), st.booleans(), st.sets(st.integers(0, 7)))
def test_multiple_choice_is_a_fraction(correct: list[bool], negative: bool, chosen: set[int]) -> None:
    data = {"options": [{"correct": c} for c in correct], "negative_marks": negative}
    score = g.grade("multiple_choice", data, {"choices": sorted(chosen)})
    assert score is not None and 0.0 <= score <= 1.0
    right = {i for i, c in enumerate(correct) if c}
    if right and chosen & set(range(len(correct))) == right:
        assert score == 1.0


def test_numeric_absolute_and_relative() -> None:
    absolute = {"numeric": {"value": 0.5, "tolerance": 0.01, "tolerance_mode": "absolute"}}
    assert g.grade("numeric", absolute, {"number": "0.5"}) == 1.0
    assert g.grade("numeric", absolute, {"number": "0.51"}) == 1.0
    assert g.grade("numeric", absolute, {"number": " 0,495 "}) == 1.0
    assert g.grade("numeric", absolute, {"number": "0.52"}) == 0.0
    assert g.grade("numeric", absolute, {"number": "abc"}) == 0.0
    assert g.grade("numeric", absolute, {"number": "nan"}) == 0.0
    assert g.grade("numeric", absolute, None) == 0.0
    relative = {"numeric": {"value": 200.0, "tolerance": 0.05, "tolerance_mode": "relative", "unit": "ms"}}
    assert g.grade("numeric", relative, {"number": "210 ms"}) == 1.0
    assert g.grade("numeric", relative, {"number": "211"}) == 0.0
    exact = {"numeric": {"value": 0.3, "tolerance": 0.0}}
    assert g.grade("numeric", exact, {"number": str(0.1 + 0.2)}) == 1.0
    assert g.correct_answer_text("numeric", relative) == "200.0 ms (± 5 %)"


@given(st.floats(-1e6, 1e6), st.floats(0, 1e3), st.floats(-1e6, 1e6))
def test_numeric_tolerance_is_symmetric(target: float, tol: float, x: float) -> None:
    data = {"numeric": {"value": target, "tolerance": tol}}
    mirrored = 2 * target - x
    assert g.grade("numeric", data, {"number": repr(x)}) == g.grade(
        "numeric", data, {"number": repr(mirrored)}
    ) or (abs(abs(x - target) - tol) < 1e-6 * max(1.0, abs(target)))


def test_free_text_is_not_auto_graded() -> None:
    assert g.grade("free_text", {}, {"text": "anything"}) is None
