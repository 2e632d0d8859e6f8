"""The kind registry and the matching kind's rules, pure (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.interviews import grading
from app.questions import kinds
from app.questions.kinds.matching import answer_texts, key
from app.questions.native import QuestionDoc
from app.questions.service import render_version

PAIRS = [
    {"prompt": "k-means", "answer": "clustering"},
    {"prompt": "PCA", "answer": "dimensionality reduction"},
    {"prompt": "SVM", "answer": "classification"},
    {"prompt": "", "answer": "density estimation"},  # a distractor: one more answer, no prompt
]


def matching_doc(**over: Any) -> QuestionDoc:
    data: dict[str, Any] = {
        "topic": "supervised/svm",
        "title": "Methods and families",
        "kind": "matching",
        "prompt": "Match each method to its family.",
        "pairs": PAIRS,
        "difficulty": 1,
    }
    return QuestionDoc.model_validate(data | over)


def data_of(doc: QuestionDoc) -> dict[str, Any]:
    return render_version(doc)["data"]  # type: ignore[no-any-return]


def test_every_kind_is_registered_once_with_its_own_answer_field() -> None:
    names = [k.name for k in kinds.all()]
    assert names[:4] == ["free_text", "single_choice", "multiple_choice", "numeric"] and "matching" in names
    assert set(names) == set(kinds.Kind)
    assert len({k.answer_field for k in kinds.all()}) == len(names)
    assert kinds.get("matching").objective and not kinds.get("free_text").objective
    with pytest.raises(KeyError):
        kinds.get("essay")


def test_a_save_names_its_kind_by_its_field() -> None:
    assert kinds.parse_answer({"text": "hi"}) == ("free_text", {"text": "hi"})
    assert kinds.parse_answer({"choice": "2"}) == ("single_choice", {"choice": 2})
    assert kinds.parse_answer({"choices": ["2", 0, 2]}) == ("multiple_choice", {"choices": [0, 2]})
    assert kinds.parse_answer({"matches": [1, "", None, "0"]}) == (
        "matching",
        {"matches": [1, None, None, 0]},
    )
    for bad in ({}, {"matches": ["x"]}, {"matches": [0] * 21}, {"choice": -1}, {"text": 3}):
        with pytest.raises(ValueError):
            kinds.parse_answer(bad)


def test_matching_validation() -> None:
    assert [p.prompt for p in matching_doc().pairs] == ["k-means", "PCA", "SVM", ""]
    cases = {
        "at least two pairs with a prompt": [PAIRS[0], PAIRS[3]],
        "same prompt": [PAIRS[0], {"prompt": "K-MEANS", "answer": "x"}],
        "two different answers": [{"prompt": "a", "answer": "x"}, {"prompt": "b", "answer": "x"}],
    }
    for message, pairs in cases.items():
        with pytest.raises(ValidationError, match=message):
            matching_doc(pairs=pairs)
    with pytest.raises(ValidationError, match="no options"):
        matching_doc(options=[{"text": "a", "correct": True}, {"text": "b"}])
    with pytest.raises(ValidationError, match="a free text question has no pairs"):
        matching_doc(kind="free_text")


def test_answers_are_offered_once_each_alphabetically_never_in_pair_order() -> None:
    data = data_of(matching_doc())
    view = kinds.get("matching").view(data)
    assert [a["text"] for a in view["answers"]] == [
        "classification",
        "clustering",
        "density estimation",
        "dimensionality reduction",
    ]
    assert len(view["prompts_html"]) == 3  # the distractor is an answer, not a prompt
    assert key(data) == [1, 3, 0]
    assert "key" not in view and "pairs" not in view  # the page gets no key


def test_partial_credit_is_the_share_of_prompts_matched() -> None:
    data = data_of(matching_doc())
    assert grading.grade("matching", data, {"matches": [1, 3, 0]}) == 1.0
    assert grading.grade("matching", data, {"matches": [1, 3, 2]}) == pytest.approx(2 / 3)
    assert grading.grade("matching", data, {"matches": [1, None]}) == pytest.approx(1 / 3)
    for nothing in (None, {}, {"matches": []}, {"matches": "1,3,0"}, {"matches": [True, 3.0, "0"]}):
        assert grading.grade("matching", data, nothing) == 0.0
    assert grading.correct_answer_text("matching", data).startswith("k-means → clustering; PCA →")


@given(st.lists(st.one_of(st.none(), st.integers(-3, 30), st.text(max_size=2)), max_size=25))
def test_a_matching_score_is_a_fraction(picks: list[Any]) -> None:
    score = kinds.get("matching").grade(data_of(matching_doc()), {"matches": picks})
    assert score is not None and 0.0 <= score <= 1.0


def test_same_answer_for_two_prompts_is_offered_once() -> None:
    pairs = [{"prompt": "ridge", "answer": "shrinks"}, {"prompt": "lasso", "answer": "shrinks"}, PAIRS[0]]
    data = data_of(matching_doc(pairs=pairs))
    assert answer_texts(data["pairs"]) == ["clustering", "shrinks"]
    assert grading.grade("matching", data, {"matches": [1, 1, 0]}) == 1.0
