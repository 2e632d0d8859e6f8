"""Finalisation exactly once: submit, lazily after the deadline, the sweeper; grading; results and dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.interviews import service
from app.interviews.models import Attempt
from app.kit import clock
from tests.interviews.conftest import answer_for, start

pytestmark = pytest.mark.anyio


async def answer_all(c, a: dict[str, Any], *, right: bool = True) -> None:  # type: ignore[no-untyped-def]
    for item in a["items"]:
        value = answer_for(item, 0 if right else 2)
        r = await c.post(
            f"/attempts/{a['id']}/items/{item['id']}/answer",
            json={"base_revision": 0, "save_id": "s1", **value},
        )
        assert r.status_code == 200, r.text


async def test_submit_grades_objective_items(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    await answer_all(c, a)
    confirm = await c.get(f"/attempts/{a['id']}/submit")
    assert "All 4 questions have an answer" in confirm.text
    r = await c.post(f"/attempts/{a['id']}/submit", data={})
    assert r.status_code == 303 and r.headers["location"] == f"/attempts/{a['id']}/results"
    res = (await c.get(f"/api/v1/attempts/{a['id']}/result")).json()
    assert res["state"] == "submitted" and res["counted"] and res["needs_review"]
    assert res["auto_score"] == 3.0 and res["auto_max"] == 3.0
    scores = {i["kind"]: i["score"] for i in res["items"]}
    assert scores == {"single_choice": 1.0, "multiple_choice": 1.0, "numeric": 1.0, "free_text": None}
    # a second submit changes nothing
    again = (await c.post(f"/api/v1/attempts/{a['id']}/submit")).json()
    assert again["finished_at"] == res["finished_at"]
    page = await c.get(f"/attempts/{a['id']}/results")
    assert "Auto-graded score" in page.text and "3.00 / 3" in page.text
    assert "Awaiting review" in page.text and "Explanation" in page.text and "correct" in page.text
    # the attempt page now sends the candidate to the results
    assert (await c.get(f"/attempts/{a['id']}")).status_code == 303


async def test_confirm_page_counts_unanswered(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = a["items"][0]
    await c.post(
        f"/attempts/{a['id']}/items/{item['id']}/answer",
        json={"base_revision": 0, "save_id": "s1", **answer_for(item)},
    )
    assert "3 of 4 question(s) unanswered" in (await c.get(f"/attempts/{a['id']}/submit")).text


async def test_wrong_answers_score_zero_and_results_show_the_right_one(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    await answer_all(c, a, right=False)
    res = (await c.post(f"/api/v1/attempts/{a['id']}/submit")).json()
    assert res["auto_score"] == 0.0
    numeric = next(i for i in res["items"] if i["kind"] == "numeric")
    assert numeric["correct_text"] == "0.5 (± 0.01)" and "0.25" in numeric["reference_html"]
    # the free-text reference answer waits for the mentor's released feedback
    free = next(i for i in res["items"] if i["kind"] == "free_text")
    assert free["reference_html"] is None
    assert (await c.get(f"/api/v1/attempts/{a['id']}/result")).json()["items"][free["position"]][
        "reference_html"
    ] is None


async def test_lazy_finalisation_after_the_deadline(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    await answer_all(c, a)
    clock.advance(timedelta(minutes=10, seconds=1))
    r = await c.get(f"/attempts/{a['id']}")  # any request after the deadline finalises it
    assert r.status_code == 303 and r.headers["location"].endswith("/results")
    async with db() as s:
        attempt = await s.get(Attempt, a["id"])
        assert attempt is not None and attempt.state == "expired" and attempt.counted  # autosubmit counts
        assert attempt.finished_at == attempt.deadline_at and attempt.finalised_by == "deadline"
        assert attempt.auto_score == 3.0


async def test_sweeper_finalises_abandoned_attempts_once(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format(expiry_mode="strict")).id)
    await answer_all(c, a)
    async with db() as s:
        assert await service.sweep(s) == 0
    clock.advance(timedelta(minutes=10))
    async with db() as s:
        assert await service.sweep(s) == 1
        assert await service.sweep(s) == 0
        await s.commit()
    res = (await c.get(f"/api/v1/attempts/{a['id']}/result")).json()
    assert res["state"] == "expired" and not res["counted"] and not res["needs_review"]  # strict: not counted
    assert res["finished_at"] == res["deadline_at"]
    page = await c.get(f"/attempts/{a['id']}/results")
    assert "does not count" in page.text
    r = await c.post(f"/api/v1/attempts/{a['id']}/submit")  # too late to submit: it stays expired
    assert r.json()["state"] == "expired"


async def test_grace_mode_submit_window(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(expiry_mode="grace", grace_seconds=60)
    a = await start(c, fmt.id)
    await answer_all(c, a)
    clock.advance(timedelta(minutes=10, seconds=59))  # deadline + G - 1 s: submit still allowed
    got = (await c.get(f"/api/v1/attempts/{a['id']}")).json()
    assert got["state"] == "in_progress" and got["phase"] == "grace" and got["remaining_seconds"] == 0
    res = (await c.post(f"/api/v1/attempts/{a['id']}/submit")).json()
    assert res["state"] == "submitted" and res["counted"]
    b = await start(c, fmt.id)
    clock.advance(timedelta(minutes=11, seconds=1))  # deadline + G + 1 s: expired, not counted
    res = (await c.post(f"/api/v1/attempts/{b['id']}/submit")).json()
    assert res["state"] == "expired" and not res["counted"]


async def test_dashboard_lists_formats_and_attempts(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(title="Dashboard format")
    page = await c.get("/interviews")
    assert "Dashboard format" in page.text and f"/interviews/{fmt.id}/start" in page.text
    r = await c.post(f"/interviews/{fmt.id}/start", data={})
    assert r.status_code == 303
    attempt_url = r.headers["location"]
    page = await c.get(attempt_url)
    assert page.status_code == 200 and 'role="timer"' in page.text and "attempt.js" in page.text
    assert "<script>" not in page.text and "hx-on" not in page.text
    page = await c.get("/interviews")
    assert "Resume" in page.text and "in progress" in page.text
    attempt_id = attempt_url.rsplit("/", 1)[1]
    await c.post(f"/api/v1/attempts/{attempt_id}/submit")
    page = await c.get("/interviews")
    assert (
        "submitted" in page.text
        and "0.00 / 3" in page.text
        and f"/attempts/{attempt_id}/results" in page.text
    )
    formats = (await c.get("/api/v1/formats")).json()
    assert [f["title"] for f in formats] == ["Dashboard format"]


async def test_preview_renders_markdown_and_maths(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    r = await c.post(
        f"/attempts/{a['id']}/preview",
        data={"text": "**bold** and $x^2$ <script>alert(1)</script>"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert "<strong>bold</strong>" in r.text and "<math" in r.text and "<script>" not in r.text
    other = await as_role("candidate")
    assert (await other.post(f"/attempts/{a['id']}/preview", data={"text": "x"})).status_code == 404


async def test_lists_finalise_overdue_attempts(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    clock.advance(timedelta(minutes=10, seconds=1))
    listed = (await c.get("/api/v1/attempts")).json()
    assert [x["state"] for x in listed if x["id"] == a["id"]] == ["expired"]
    assert "Resume" not in (await c.get("/interviews")).text
