"""Scoring through HTTP as documented in app/reviews/scoring.py (acceptance 3): levels → points →
answer → attempt (objective + mentor parts), overrides need a reason, two reviewers aggregate
(mean per criterion, median recommendation), disagreement flags the attempt for admins.
The bank: free text (rubric 2 + 3 points), single choice answered right, numeric answered wrong."""

from __future__ import annotations

import pytest

from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio


async def test_levels_points_answer_attempt_and_override(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    await take_interview(cand, fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    rid = review["id"]
    auto = {i["kind"]: i["auto_points"] for i in review["items"]}
    assert auto == {"free_text": None, "single_choice": 1.0, "numeric": 0.0}
    assert [c["name"] for c in review["items"][0]["rubric"]["criteria"]] == ["Correctness", "Explanation"]

    # an override without a reason is refused with a clear message, and nothing is submitted
    draft = complete_draft(review, levels=(1, 3), overrides={"numeric": (1.0, "  ")})
    r = await mentor.post(f"/api/v1/reviews/{rid}/submit", json=draft)
    assert r.status_code == 422
    assert "An override needs a reason." in r.json()["fields"].values()
    # with a reason: (single 1 + numeric override 1 + free text (1 + 3) / 5) / 3 = 93.3 %
    draft = complete_draft(review, levels=(1, 3), overrides={"numeric": (1.0, "Unit typo; method right.")})
    r = await mentor.post(f"/api/v1/reviews/{rid}/submit", json=draft)
    assert r.status_code == 200, r.text
    assert r.json()["score_percent"] == pytest.approx(93.3)
    assert (await mentor.post(f"/api/v1/reviews/{rid}/submit", json=draft)).status_code == 409
    # one reviewer required: the attempt is reviewed; releasing shows the same numbers to the candidate
    assert (
        await mentor.post(f"/api/v1/reviews/attempts/{review['attempt']['id']}/release")
    ).status_code == 200
    fb = (await cand.get(f"/api/v1/attempts/{review['attempt']['id']}/feedback")).json()
    assert fb["score_percent"] == pytest.approx(93.3)
    text_item = next(i for i in fb["items"] if i["kind"] == "free_text")
    assert text_item["fraction"] == pytest.approx(0.8)
    assert [(c["name"], c["mean"]) for c in text_item["criteria"]] == [
        ("Correctness", 1.0),
        ("Explanation", 3.0),
    ]
    assert [k["hit"] for k in text_item["key_points"]] == [True, False]
    assert text_item["misconceptions"] == ["Bigger steps are always faster"]
    assert fb["reviews"][0]["reviewer"] == "Reviewer 1"


async def test_submit_needs_every_required_field(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    page = await mentor.post(f"/reviews/{review['id']}/submit", data={"summary": ""})
    assert page.status_code == 422
    for message in (
        "Choose a level for “Correctness”.",
        "Choose a level for “Explanation”.",
        "Rate this signal.",
        "Choose a recommendation.",
        "Write a summary for the candidate.",
    ):
        assert message in page.text
    assert 'aria-invalid="true"' in page.text
    # the plain form path: every field as the page posts it
    text_item = next(i for i in review["items"] if i["kind"] == "free_text")
    p = f"i-{text_item['id']}-"
    form = {
        f"{p}level-0": "2",
        f"{p}level-1": "1",
        f"{p}kp": ["0", "1"],
        f"{p}mc": ["other"],
        f"{p}mc-other": "Thinks momentum is a learning rate",
        f"{p}comment": "Nice: $\\eta$ matters.",
        "recommendation": "lean_yes",
        "summary": "Good.",
        **{f"signal-{s}": "3" for s in ("fundamentals", "mathematical_rigour", "communication", "depth")},
    }
    r = await mentor.post(f"/reviews/{review['id']}/submit", data=form)
    assert r.status_code == 303, r.text
    page = await mentor.get(f"/reviews/{review['id']}")
    # free text (2 + 1) / 5 = 0.6; (1 + 0 + 0.6) / 3 = 53.3 %
    assert "You submitted this review" in page.text and "53.3 %" in page.text


async def test_two_reviewers_aggregate_and_disagreement_is_flagged(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(reviewers_required=2)
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    m1, m2 = await as_role("mentor"), await as_role("mentor")
    r1, r2 = await claim(m1), await claim(m2)
    # independent: the second reviewer's page shows nothing of the first one's scores before submitting
    assert (
        await m1.post(f"/api/v1/reviews/{r1['id']}/submit", json=complete_draft(r1, levels=(1, 3)))
    ).status_code == 200
    page = await m2.get(f"/reviews/{r2['id']}")
    assert "Other reviews" not in page.text and "Private: borderline" not in page.text
    assert (await m1.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 409  # 1 of 2
    draft2 = complete_draft(r2, levels=(2, 1), recommendation="lean_no")
    assert (await m2.post(f"/api/v1/reviews/{r2['id']}/submit", json=draft2)).status_code == 200
    # after submitting, a reviewer sees the other review (and its private note)
    page = await m2.get(f"/reviews/{r2['id']}")
    assert "Other reviews" in page.text and "Private: borderline" in page.text

    # 0.8 and 0.6 on the free text: mean 0.7 → (1 + 0 + 0.7) / 3 = 56.7 %; median of yes / lean no = lean yes;
    # the score spread 0.2 is under the threshold, but the recommendations are two steps apart → flagged
    admin = await as_role("admin")
    flags = await admin.get("/admin/reviews")
    assert f"/admin/reviews/attempts/{attempt['id']}" in flags.text
    assert (await m2.post(f"/reviews/attempts/{attempt['id']}/release")).status_code == 303
    fb = (await cand.get(f"/api/v1/attempts/{attempt['id']}/feedback")).json()
    assert fb["score_percent"] == pytest.approx(56.7)
    assert fb["recommendation"] == "lean_yes"
    text_item = next(i for i in fb["items"] if i["kind"] == "free_text")
    assert [c["mean"] for c in text_item["criteria"]] == [1.5, 2.0]
    assert [r["reviewer"] for r in fb["reviews"]] == ["Reviewer 1", "Reviewer 2"]
    page = await cand.get(f"/attempts/{attempt['id']}/feedback")
    assert page.status_code == 200
    assert "56.7 %" in page.text and "Lean yes" in page.text and "Private: borderline" not in page.text
    # the candidate rates the feedback; admins see it
    r = await cand.post(
        f"/attempts/{attempt['id']}/feedback/rating", data={"rating": "4", "comment": "Useful!"}
    )
    assert r.status_code == 303
    assert "Useful!" in (await admin.get("/admin/reviews")).text
    bad = await cand.post(
        f"/attempts/{attempt['id']}/feedback/rating", data={"rating": "9"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 422 and "Choose 1 to 5." in bad.text


async def test_reviewer_may_show_their_name(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    draft = {**complete_draft(review), "show_name": True}
    assert (await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=draft)).status_code == 200
    await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")
    fb = (await cand.get(f"/api/v1/attempts/{attempt['id']}/feedback")).json()
    assert fb["reviews"][0]["reviewer"] == mentor.user.display_name


async def test_auto_release_when_the_format_says_so(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(auto_release=True)
    cand = await as_role("candidate")
    await take_interview(cand, fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    attempt_id = review["attempt"]["id"]
    assert (await cand.get(f"/api/v1/attempts/{attempt_id}/feedback")).status_code == 404  # not yet
    r = await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    assert r.status_code == 200, r.text
    # the submit that completed the set released it: no release click, the candidate sees it
    fb = await cand.get(f"/api/v1/attempts/{attempt_id}/feedback")
    assert fb.status_code == 200 and fb.json()["score_percent"] is not None
    assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt_id}/release")).status_code == 409
    notes = await cand.get("/notifications")
    assert "feedback" in notes.text.lower()
