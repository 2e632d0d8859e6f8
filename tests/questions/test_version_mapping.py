"""One document → version mapping (issue 15 item 5): the editor/API path and the import's bulk
write store the same row for the same document, every field included (hints, follow-ups, rubric,
provenance); and the version → document mapping gives the document back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.questions.models import Question, QuestionVersion
from app.questions.native import QuestionDoc
from tests.questions.conftest import BASE_DOC, CHOICE_DOC, make_doc

pytestmark = pytest.mark.anyio
COLUMNS = (
    "title",
    "kind",
    "prompt",
    "prompt_html",
    "reference_answer",
    "reference_html",
    "data",
    "rubric",
    "follow_ups",
    "hints",
    "difficulty",
    "estimated_minutes",
    "tags",
    "provenance",
    "content_hash",
)
FULL = [
    make_doc(
        BASE_DOC,
        hints=["Think of the sign of the gradient.", "Which way is downhill?"],
        follow_ups=[{"question": "What if $\\eta$ is too large?", "expected_answer": "It diverges."}],
        provenance={"origin": "imported", "source_url": "https://example.org/q", "licence": "CC-BY-4.0"},
    ),
    make_doc(CHOICE_DOC, negative_marks=True, hints=["Downhill."]),
    make_doc(BASE_DOC, title="A numeric one", kind="numeric", rubric={},
             numeric={"value": 0.5, "tolerance": 0.05, "tolerance_mode": "relative", "unit": "m"}),
]  # fmt: skip


async def _rows(db, external_ids: list[str]) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    async with db() as s:
        rows = await s.execute(
            select(Question.external_id, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.external_id.in_(external_ids))
            .order_by(Question.external_id)
        )
        return [tuple(getattr(v, c) for c in COLUMNS) for _, v in rows.all()]


async def test_api_and_import_store_the_same_version_row(as_role, db, topics) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    for i, doc in enumerate(FULL):
        r = await admin.post("/api/v1/questions", json={**doc, "external_id": f"by-api-{i}"})
        assert r.status_code == 201, r.text
    bank = {
        "format_version": 1,
        "questions": [{**d, "external_id": f"by-import-{i}"} for i, d in enumerate(FULL)],
    }
    r = await admin.post("/api/v1/imports?format=json", content=json.dumps(bank).encode())
    assert r.status_code == 200 and r.json()["imported"], r.text
    by_api = await _rows(db, [f"by-api-{i}" for i in range(len(FULL))])
    by_import = await _rows(db, [f"by-import-{i}" for i in range(len(FULL))])
    assert len(by_api) == len(FULL) and by_api == by_import
    assert by_api[0][COLUMNS.index("hints")] == FULL[0]["hints"]


async def test_a_version_gives_its_document_back(as_role, topics) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    for i, doc in enumerate(FULL):
        sent = {**doc, "external_id": f"back-{i}"}
        r = await admin.post("/api/v1/questions", json=sent)
        assert r.status_code == 201, r.text
        assert r.json()["document"] == QuestionDoc.model_validate(sent).model_dump(mode="json")
