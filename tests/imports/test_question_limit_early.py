"""A file over the question limit is refused after reading one question past the limit, not all of them.

The count was checked after every question of the file had been parsed and validated: 50,000 tiny
GIFT questions (740 kB, far under the size limit) kept the import worker busy for ~2 minutes under
load before the answer "too many questions", and other admins' imports waited behind it. Each reader
now stops at the limit + 1; the work is counted here by documents validated, not timed.
"""

from __future__ import annotations

import json

import pytest

from app.imports import common, native_json
from tests.imports.helpers import generated_gift

pytestmark = pytest.mark.anyio


def _xml(n: int) -> bytes:
    one = '<question type="essay"><name><text>Q{i}</text></name><questiontext format="html"><text>Why {i}?</text></questiontext></question>'
    return ("<quiz>" + "".join(one.format(i=i) for i in range(n)) + "</quiz>").encode()


def _json(n: int) -> bytes:
    q = {"topic": "imported/uncategorised", "kind": "free_text", "difficulty": 1}
    return json.dumps(
        {"format_version": 1, "questions": [{**q, "title": f"Q{i}", "prompt": f"Why {i}?"} for i in range(n)]}
    ).encode()


@pytest.mark.parametrize(("fmt", "make"), [("gift", generated_gift), ("moodle-xml", _xml), ("json", _json)])
async def test_a_file_over_the_limit_is_refused_after_the_limit(as_role, app, monkeypatch, fmt, make) -> None:  # type: ignore[no-untyped-def]
    validated = []
    real = common.build_doc

    def counting(data):  # type: ignore[no-untyped-def]
        validated.append(1)
        return real(data)

    monkeypatch.setattr(common, "build_doc", counting)  # GIFT and Moodle XML (through lossy_doc)
    monkeypatch.setattr(native_json, "build_doc", counting)
    app.state.settings = app.state.settings.model_copy(update={"import_max_questions": 3})
    admin = await as_role("admin")
    r = await admin.post(f"/api/v1/imports?format={fmt}", content=make(400))
    assert r.status_code == 422, r.text
    assert len(validated) <= 4
    assert r.json()["problems"][0]["message"] == "The file has more than 3 questions; the limit is 3."
