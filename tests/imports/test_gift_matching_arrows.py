"""A matching pair whose prompt contains `->` keeps its prompt and answer through GIFT.

GIFT writes a pair as `=prompt -> answer` and reads it by the first `->`: a prompt such as
"f: X -> Y" came back as the prompt "f: X" with the answer "Y -> a function" — a different
question, imported silently into another bank. The writer now writes an arrow inside a prompt as
`-\\>` (Markdown for the same `->`, which Moodle's Markdown shows as written) and the reader takes
it back as `->`.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.imports import gift

pytestmark = pytest.mark.anyio

DOC: dict[str, Any] = {
    "external_id": "maps",
    "topic": "optimisation/gradient-descent",
    "title": "Maps and their names",
    "kind": "matching",
    "prompt": "Match each map with what it is.",
    "difficulty": 1,
    "pairs": [
        {"prompt": "f: X -> Y with one image per point", "answer": "a function"},
        {"prompt": "x -> 2x", "answer": "a linear map -> of R"},
        {"prompt": "", "answer": "a distractor"},
        {"prompt": "a set of pairs", "answer": "a relation"},
    ],
}


async def test_pairs_with_arrows_come_back_from_gift(as_role, topics) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    created = await admin.post("/api/v1/questions", json=DOC)
    assert created.status_code == 201, created.text
    exported = await admin.get("/api/v1/exports?format=gift")
    assert exported.status_code == 200
    (item,) = gift.parse(exported.text).items  # what another bank would import
    assert item.problems == [] and item.doc is not None
    assert [p.model_dump() for p in item.doc.pairs] == DOC["pairs"]
    dry = await admin.post("/api/v1/imports?format=gift&dry_run=true", content=exported.content)
    assert [q["action"] for q in dry.json()["questions"]] == ["unchanged"]
