"""Retakes: a format says when objective keys are shown (at submit, after release, never) and how
many attempts a candidate has; results page and API honour it, seed formats set both."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.interviews.models import InterviewFormat
from app.interviews.seeding import load_format_docs
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio


def objective(result: dict) -> list[dict]:  # type: ignore[type-arg]
    return [i for i in result["items"] if i["kind"] != "free_text"]


def assert_no_keys(result: dict, page: str) -> None:  # type: ignore[type-arg]
    for item in objective(result):
        assert item["correct"] is None and item["correct_text"] is None, item
        assert item["score"] is None and item["feedback_html"] is None and item["reference_html"] is None
    assert (
        "Correct answer: <strong>" not in page and 'class="correct"' not in page and "· correct" not in page
    )
    assert result["keys_shown"] is False


async def release(mentor, attempt_id: str) -> None:  # type: ignore[no-untyped-def]
    review = await claim(mentor)
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt_id}/release")).status_code == 200


async def test_after_release_keys_wait_for_the_mentor(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(keys_shown="after_release")
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    aid = attempt["id"]
    assert_no_keys(attempt, "")  # the submit response itself
    result = (await cand.get(f"/api/v1/attempts/{aid}/result")).json()
    page = (await cand.get(f"/attempts/{aid}/results")).text
    assert_no_keys(result, page)
    assert result["auto_max"] == 2  # the total is shown, not which answers were right
    assert "shown once your feedback is released" in page
    await release(await as_role("mentor"), aid)
    result = (await cand.get(f"/api/v1/attempts/{aid}/result")).json()
    single = next(i for i in result["items"] if i["kind"] == "single_choice")
    assert single["correct"] == [0] and single["score"] == 1.0 and result["keys_shown"] is True
    assert "Correct answer: <strong>" in (await cand.get(f"/attempts/{aid}/results")).text


async def test_never_hides_keys_even_in_released_feedback(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(keys_shown="never")
    cand = await as_role("candidate")
    aid = (await take_interview(cand, fmt.id))["id"]
    await release(await as_role("mentor"), aid)
    result = (await cand.get(f"/api/v1/attempts/{aid}/result")).json()
    assert_no_keys(result, (await cand.get(f"/attempts/{aid}/results")).text)
    fb = (await cand.get(f"/api/v1/attempts/{aid}/feedback")).json()
    for item in fb["items"]:
        if item["kind"] != "free_text":
            assert item["fraction"] is None and item["reference_html"] is None
    page = (await cand.get(f"/attempts/{aid}/feedback")).text
    assert "correct:" not in page and 'class="correct"' not in page and "· correct" not in page


async def test_at_submit_shows_keys_immediately(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(keys_shown="at_submit")
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    single = next(i for i in attempt["items"] if i["kind"] == "single_choice")
    assert single["correct"] == [0] and attempt["keys_shown"] is True
    assert "Correct answer: <strong>" in (await cand.get(f"/attempts/{attempt['id']}/results")).text


async def test_attempts_are_limited_and_the_policy_is_visible(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(keys_shown="after_release", attempts_allowed=1)
    cand = await as_role("candidate")
    listed = {f["id"]: f for f in (await cand.get("/api/v1/formats")).json()}
    assert listed[str(fmt.id)]["keys_shown"] == "after_release"
    await take_interview(cand, fmt.id)
    r = await cand.post(f"/api/v1/formats/{fmt.id}/attempts")
    assert r.status_code == 409
    dashboard = (await cand.get("/interviews")).text
    assert "1 attempt(s) allowed" in dashboard and "answers shown after feedback" in dashboard


async def test_admin_form_sets_the_policy(make_format: MakeFormat, as_role, db) -> None:
    admin = await as_role("admin")
    fmt = await make_format()
    page = await admin.get(f"/admin/formats/{fmt.id}")
    assert 'name="keys_shown"' in page.text
    form = await admin.get(f"/admin/formats/{fmt.id}")
    assert form.status_code == 200
    data = {
        "title": "Review test format",
        "slots": "- {external_id: rv-text}\n",
        "time_limit_minutes": "10",
        "navigation": "free",
        "expiry_mode": "autosubmit",
        "reviewers_required": "1",
        "attempts_allowed": "2",
        "keys_shown": "never",
        "status": "published",
    }
    r = await admin.post(f"/admin/formats/{fmt.id}", data=data)
    assert r.status_code == 303, r.text
    async with db() as s:
        saved = (await s.execute(select(InterviewFormat).where(InterviewFormat.id == fmt.id))).scalar_one()
        assert (saved.keys_shown, saved.attempts_allowed) == ("never", 2)
    r = await admin.post(f"/admin/formats/{fmt.id}", data={**data, "keys_shown": "sometimes"})
    assert r.status_code == 422


async def test_seed_formats_limit_retakes_and_key_harvesting() -> None:
    docs = load_format_docs()
    assert docs
    for doc in docs:
        assert doc.attempts_allowed is not None and 1 <= doc.attempts_allowed <= 5, doc.slug
        assert "keys_shown" in doc.model_fields_set, f"{doc.slug} must choose when keys are shown"
        if doc.keys_shown == "at_submit":  # keys right away: only with few retakes
            assert doc.attempts_allowed <= 3, doc.slug
