"""A level typed in other digits ("²", "٣") passes str.isdigit() but not int(): the anchor form and
the candidate's self-assessment must refuse it with 422 and a message, not answer 500."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.analytics.refresh import refresh_all
from tests.calibration.test_anchors import _anchor, _question_id, calibration  # noqa: F401 - a fixture
from tests.calibration.test_self_assessment import _free_item
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

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


@pytest.mark.usefixtures("calibration")
async def test_an_anchor_review_is_not_in_the_mentors_review_analytics(
    bank: None, make_format: MakeFormat, as_role, db
) -> None:
    """A stand-in attempt is not counted (no candidate took it): its review must not enter the
    mentors' review figures (turnaround, severity) the way a real review does."""
    blind = await make_format(slots=[{"external_id": "rv-text"}], blind_review=True)
    admin = await as_role("admin")
    await _anchor(admin, await _question_id(db), blind.id, levels=[1, 1])
    mentor = await as_role("mentor")
    review = await claim(mentor)
    r = await mentor.post(
        f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review, levels=(1, 1))
    )
    assert r.status_code == 200, r.text
    assert (await mentor.get(f"/api/v1/calibration/reviews/{review['id']}")).status_code == 200  # an anchor
    async with db() as s:
        await refresh_all(s)
        rows = (await s.execute(text("SELECT count(*) FROM an_review"))).scalar_one()
    assert rows == 0
