"""A question whose text has Windows line ends (CRLF, from the API or a JSON import) is "unchanged"
when its own GIFT or Moodle XML export comes back.

An import reads a file with its line ends made \\n, but the comparison with the stored version (the
stored document written and read back through the same format, app/imports/merge.py) kept the
\\r: every re-import of an unchanged export announced, and made, a new version of such a question.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.anyio

DOC: dict[str, Any] = {
    "external_id": "crlf",
    "topic": "optimisation/gradient-descent",
    "title": "Written on Windows",
    "kind": "single_choice",
    "prompt": "Line one of the prompt.\r\nLine two, with $x^2$.\r\n\r\nA new paragraph.",
    "reference_answer": "First line\r\nsecond line",
    "difficulty": 1,
    "options": [{"text": "yes", "correct": True, "feedback": "a\r\nb"}, {"text": "no", "correct": False}],
}


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
async def test_an_unchanged_export_with_crlf_comes_back_unchanged(as_role, topics, fmt: str) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    created = await admin.post("/api/v1/questions", json=DOC)
    assert created.status_code == 201, created.text
    exported = await admin.get(f"/api/v1/exports?format={fmt}")
    assert exported.status_code == 200
    r = await admin.post(f"/api/v1/imports?format={fmt}", content=exported.content)
    assert r.status_code == 200, r.text
    assert [(q["action"], q["changes"]) for q in r.json()["questions"]] == [("unchanged", [])]
    assert (await admin.get(f"/api/v1/questions/{created.json()['id']}")).json()["current_version"] == 1
