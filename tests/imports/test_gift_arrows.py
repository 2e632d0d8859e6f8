"""An arrow (`->`) in a choice question's text or feedback survives a GIFT export and re-import.

GIFT marks matching pairs with `->`; a choice question (it has `~` answers) whose option read
"1/n -> 0" was exported fine but read back as a broken matching question, so the whole export
could not be imported again. Moodle decides "multiple choice" on the `~` before it looks for `->`.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio


CHOICE: dict[str, Any] = {
    "external_id": "arrow-choice",
    "topic": "optimisation/gradient-descent",
    "title": "A limit",
    "kind": "single_choice",
    "prompt": "As $n$ grows, what happens to $1/n$?",
    "difficulty": 1,
    "options": [
        {"text": "1/n -> 0", "correct": True, "feedback": "yes: n -> infinity sends it to zero"},
        {"text": "1/n -> 1", "correct": False},
    ],
}
MULTIPLE: dict[str, Any] = {
    **CHOICE,
    "external_id": "arrow-multiple",
    "kind": "multiple_choice",
    "options": [
        {"text": "x -> x^2 is convex", "correct": True},
        {"text": "x -> e^x is convex", "correct": True},
        {"text": "x -> sin x is convex", "correct": False},
    ],
}


@pytest.mark.parametrize("doc", [CHOICE, MULTIPLE], ids=["single", "multiple"])
async def test_a_choice_question_with_an_arrow_comes_back_from_gift(
    as_role, topics, doc: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    created = await admin.post("/api/v1/questions", json=doc)
    assert created.status_code == 201, created.text
    exported = await admin.get("/api/v1/exports?format=gift&topic=optimisation/gradient-descent")
    assert exported.status_code == 200 and "->" in exported.text
    dry = await admin.post("/api/v1/imports?format=gift&dry_run=true", content=exported.content)
    report = dry.json()
    rows = [(q["title"], q["kind"], q["action"], q["problems"]) for q in report["questions"]]
    assert dry.status_code == 200 and report["ok"], rows
    assert rows == [(doc["title"], doc["kind"], "unchanged", [])]
