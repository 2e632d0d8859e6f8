"""A control character (a vertical tab or form feed pasted from a word processor) cannot poison exports.

XML 1.0 cannot hold U+0001–U+0008, U+000B, U+000C, U+000E–U+001F (not even as `&#11;`). A question
accepted with one made the bank's Moodle XML export a file that no XML reader takes — every question
of the export lost, not one. Such text is refused where it comes in (422 with the field and the
character, nothing stored), and a version stored before the rule still leaves as well-formed XML.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.questions.models import Question, QuestionVersion

pytestmark = pytest.mark.anyio

DOC: dict[str, Any] = {
    "external_id": "pasted",
    "topic": "optimisation/gradient-descent",
    "title": "Pasted from a word processor",
    "kind": "single_choice",
    "prompt": "Which step size diverges on $f(x) = x^2$?",
    "difficulty": 1,
    "options": [{"text": "1.5", "correct": True}, {"text": "0.1", "correct": False}],
}


async def _count(db) -> int:  # type: ignore[no-untyped-def]
    async with db() as s:
        return int((await s.execute(select(func.count()).select_from(Question))).scalar_one())


@pytest.mark.parametrize(
    ("where", "doc"),
    [
        ("prompt", {**DOC, "prompt": "Which step size\x0bdiverges?"}),
        (
            "options.1.feedback",
            {**DOC, "options": [DOC["options"][0], {**DOC["options"][1], "feedback": "\x0c"}]},
        ),
        ("hints.0", {**DOC, "hints": ["Look at \x1b the curvature"]}),
    ],
)
async def test_the_api_refuses_a_control_character_and_stores_nothing(
    as_role, db, topics, where: str, doc
) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    r = await admin.post("/api/v1/questions", json=doc)
    assert r.status_code == 422, r.text
    body = r.json()
    said = body["error"] + " " + " ".join(body.get("fields", {}).values())
    assert "control character" in said and where in said, body
    assert await _count(db) == 0


async def test_an_import_with_a_control_character_is_refused_whole(as_role, db, topics) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    gift = b"::Fine::Is $x^2$ convex?{T}\n\n::Pasted::Which step\x0cdiverges?{=1.5 ~0.1}\n"
    r = await admin.post("/api/v1/imports?format=gift", content=gift)
    assert r.status_code == 422, r.text
    problems = [p for q in r.json()["questions"] for p in q["problems"]]
    assert any("control character" in p and "line 3" in p for p in problems), problems
    bank = {"format_version": 1, "questions": [{**DOC, "title": "Tab\x0bbed"}]}
    r = await admin.post("/api/v1/imports?format=json", content=json.dumps(bank).encode())
    assert r.status_code == 422 and "control character" in r.text
    assert await _count(db) == 0


async def test_a_stored_control_character_still_leaves_as_well_formed_xml(as_role, db, topics) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    created = await admin.post("/api/v1/questions", json=DOC)
    assert created.status_code == 201, created.text
    clean = await admin.post("/api/v1/questions", json={**DOC, "external_id": "clean", "title": "Clean"})
    assert clean.status_code == 201
    async with db() as s:  # a version saved before the rule existed
        await s.execute(
            update(QuestionVersion)
            .where(QuestionVersion.title == DOC["title"])
            .values(prompt="Which step size\x0bdiverges on $f(x) = x^2$?")
        )
        await s.commit()
    exported = await admin.get("/api/v1/exports?format=moodle-xml")
    assert exported.status_code == 200
    dry = await admin.post("/api/v1/imports?format=moodle-xml&dry_run=true", content=exported.content)
    report = dry.json()
    assert report["problems"] == [], report["problems"]
    assert sorted(q["title"] for q in report["questions"]) == ["Clean", DOC["title"]]
    assert "control characters" in exported.text  # the file says what it could not hold
