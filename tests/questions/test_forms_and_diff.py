"""Pure parts of the curation UI: indexed form fields ↔ documents, row actions, the version diff."""

from __future__ import annotations

from app.questions.diff import diff_documents, diff_lines
from app.questions.forms import (
    apply_action,
    editor_state,
    label_for,
    parse_document,
    raw_from_document,
    to_document_data,
    unflatten,
)
from app.questions.native import QuestionDoc
from tests.questions.conftest import CHOICE_DOC, flatten, make_doc


def test_unflatten_builds_nested_lists_and_ignores_junk() -> None:
    raw = unflatten(
        [
            ("title", "T"),
            ("options-1-text", "b"),
            ("options-0-text", "a"),
            ("options-0-correct", "on"),
            ("rubric-criteria-0-levels-1-points", "2"),
            ("csrf_token", "x"),
            ("options-999-text", "too far"),
            ("options--text", "empty segment"),
            ("title-0", "a scalar cannot become a list"),
        ]
    )
    assert raw["title"] == "T"
    assert raw["options"] == [{"text": "a", "correct": "on"}, {"text": "b"}]
    assert raw["rubric"] == {"criteria": [{"levels": [{"points": "2"}]}]}
    assert "csrf_token" not in raw


def test_round_trip_document_through_form_fields() -> None:
    for data in (
        make_doc(),
        make_doc(CHOICE_DOC),
        make_doc(hints=["Think of $\\nabla$"], follow_ups=[{"question": "Why?"}]),
    ):
        doc = QuestionDoc.model_validate(data)
        raw = unflatten(flatten(raw_from_document(doc)).items())
        assert parse_document(raw) == doc


def test_blank_rows_and_other_kinds_fields_are_dropped() -> None:
    raw = unflatten(flatten(make_doc()).items())
    raw["options"] = [{"text": "left over from a choice draft", "correct": "on"}]
    raw["numeric"] = {"value": "3"}
    raw["hints"] = ["", "  "]
    raw["rubric"]["criteria"].append({"name": "", "points": "", "levels": [{}, {}]})
    data = to_document_data(raw)
    assert "options" not in data and "numeric" not in data and data["hints"] == []
    assert len(data["rubric"]["criteria"]) == 1


def test_row_actions() -> None:
    raw: dict = {"hints": ["a", "b", "c"]}  # type: ignore[type-arg]
    assert apply_action(raw, "up:hints:2") and raw["hints"] == ["a", "c", "b"]
    assert apply_action(raw, "down:hints:0") and raw["hints"] == ["c", "a", "b"]
    assert apply_action(raw, "remove:hints:1") and raw["hints"] == ["c", "b"]
    assert apply_action(raw, "add:hints") and raw["hints"] == ["c", "b", ""]
    empty: dict = {}  # type: ignore[type-arg]
    assert apply_action(empty, "add:options") and len(empty["options"]) == 3  # after the two shown blanks
    one: dict = {"rubric": {"criteria": [{"name": "x"}]}}  # type: ignore[type-arg]
    assert (
        apply_action(one, "add:rubric-criteria-0-levels") and len(one["rubric"]["criteria"][0]["levels"]) == 3
    )
    for bad in (
        "add:title",
        "remove:hints:9",
        "explode:hints",
        "add:rubric-criteria-5-levels",
        "remove:hints",
    ):
        assert not apply_action({"hints": ["a"]}, bad), bad
    state = editor_state({})
    assert len(state["options"]) == 2 and len(state["rubric"]["criteria"][0]["levels"]) == 2


def test_labels_are_readable() -> None:
    assert label_for("rubric-criteria-0-levels-1-descriptor") == "Rubric, criterion 1, level 2, descriptor"
    assert label_for("options.2.text") == "Option 3, text"
    assert label_for("form") == "Question"


def test_diff_marks_changed_sections_only() -> None:
    old = QuestionDoc.model_validate(make_doc())
    new = QuestionDoc.model_validate(
        make_doc(
            title="New title",
            difficulty=3,
            rubric={**make_doc()["rubric"], "key_points": ["Negative gradient direction", "Step size"]},
        )
    )
    sections = {s.name: s for s in diff_documents(old, new)}
    assert {n for n, s in sections.items() if s.changed} == {"Title", "Settings", "Rubric"}
    rubric = [(line.op, line.text) for line in sections["Rubric"].lines if line.op != "same"]
    assert rubric == [("added", "key point: Step size")]
    assert [(line.op, line.text) for line in sections["Title"].lines] == [
        ("removed", old.title),
        ("added", "New title"),
    ]
    assert diff_lines(["a", "b"], ["a", "b"])[0].sign == " "
