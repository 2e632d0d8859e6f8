"""A level typed in other digits ("²", "٣") passes str.isdigit() but not int(): the anchor form and
the candidate's self-assessment must refuse it with 422 and a message, not answer 500."""

from __future__ import annotations

import pytest

from tests.calibration.test_anchors import _question_id
from tests.calibration.test_self_assessment import _free_item
from tests.factories import MakeFormat
from tests.reviews.conftest import take_interview

pytestmark = pytest.mark.anyio


async def test_anchor_form_level_in_non_ascii_digits_is_refused(
    bank: None, make_format: MakeFormat, as_role, db
) -> None:
    fmt = await make_format(slots=[{"external_id": "rv-text"}], blind_review=True)
    admin = await as_role("admin")
    form = {
        "question_id": str(await _question_id(db)),
        "format_id": str(fmt.id),
        "answer_text": "My answer",
        "level-0": "²",
        "level-1": "٣",
        "recommendation": "yes",
        "rationale": "Right threshold, no reason given.",
    }
    r = await admin.post("/admin/anchors", data=form)
    assert r.status_code == 422, r.text
    assert (await admin.get("/api/v1/anchors")).json() == []


async def test_self_assessment_level_in_non_ascii_digits_is_refused(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    item = await _free_item(cand, attempt["id"])
    url = f"/attempts/{attempt['id']}/self-assessment/{item}"
    r = await cand.post(url, data={"level-0": "²"}, headers={"HX-Request": "true"})
    assert r.status_code == 422 and "Pick one of the levels" in r.text
