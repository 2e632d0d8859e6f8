"""Self-assessment after submitting: predicted rubric levels per written answer, saved until release;
the calibration page compares them with the mentors' levels."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from app.calibration import gaps
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio


async def _free_item(cand: Any, attempt_id: str) -> str:
    page = (await cand.get(f"/attempts/{attempt_id}/self-assessment")).text
    found = re.search(r'action="/attempts/[^/]+/self-assessment/([0-9a-f-]+)"', page)
    assert found, page
    return found.group(1)


async def test_predict_then_release_shows_the_gap(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    results = (await cand.get(f"/attempts/{attempt['id']}/results")).text
    assert f'href="/attempts/{attempt["id"]}/self-assessment"' in results

    page = await cand.get(f"/attempts/{attempt['id']}/self-assessment")
    assert page.status_code == 200
    assert "Correctness" in page.text and "Clear and complete." in page.text
    item = await _free_item(cand, attempt["id"])
    url = f"/attempts/{attempt['id']}/self-assessment/{item}"

    bad = await cand.post(url, data={"level-0": "7"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "Pick one of the levels" in bad.text
    first = await cand.post(url, data={"level-0": "2"}, headers={"HX-Request": "true"})
    assert first.status_code == 200 and "Saved" in first.text
    # saved like an answer: the page shows it again, and a later change replaces it
    again = await cand.post(url, data={"level-0": "2", "level-1": "3"}, headers={"HX-Request": "true"})
    assert again.status_code == 200
    page = (await cand.get(f"/attempts/{attempt['id']}/self-assessment")).text
    assert re.search(r'name="level-0" value="2" checked', page)
    assert re.search(r'name="level-1" value="3" checked', page)

    # another candidate cannot read or write it
    other = await as_role("candidate")
    assert (await other.get(f"/attempts/{attempt['id']}/self-assessment")).status_code == 404
    assert (await other.post(url, data={"level-0": "0"})).status_code == 404

    # nothing to compare before release
    cal = (await cand.get("/progress/calibration")).text
    assert 'id="no-calibration"' in cal

    mentor = await as_role("mentor")
    review = await claim(mentor)
    await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review, levels=(1, 3)))
    r = await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")
    assert r.status_code == 200, r.text

    # closed after release: the page says so and a save is refused without storing anything
    late = await cand.post(url, data={"level-0": "0", "level-1": "0"}, headers={"HX-Request": "true"})
    assert late.status_code == 409
    assert 'id="predictions-closed"' in (await cand.get(f"/attempts/{attempt['id']}/self-assessment")).text

    cal = (await cand.get("/progress/calibration")).text
    # predicted (2, 3) against the mentor's (1, 3): +1 and 0 levels, mean +0.5
    assert "You overrate yourself on Optimisation by 0.5 levels." in cal
    table = cal[cal.index('id="calibration-table"') :]
    assert re.search(
        r"<th scope=\"row\">Optimisation</th><td>1</td><td>0</td><td>\+0\.50</td><td>0\.00</td>", table
    )
    assert "<svg" in cal and 'class="line series-0"' in cal and "<script>" not in cal
    assert "Self-scores from practice count only once a mentor has scored" in cal
    assert 'href="/progress/calibration"' in (await cand.get("/progress")).text


async def test_no_prediction_while_in_progress(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    r = await cand.post(f"/api/v1/formats/{fmt.id}/attempts")
    attempt = r.json()
    page = await cand.get(f"/attempts/{attempt['id']}/self-assessment")
    assert page.status_code == 303
    free = next(i for i in attempt["items"] if i["kind"] == "free_text")
    r = await cand.post(f"/attempts/{attempt['id']}/self-assessment/{free['id']}", data={"level-0": "1"})
    assert r.status_code == 409


def test_answer_gap_averages_criteria_and_mentors() -> None:
    assert gaps.answer_gap([2, 3], [[1, 3]]) == 0.5
    # two mentors: their mean per criterion; an unpredicted criterion is left out
    assert gaps.answer_gap([2, None], [[1, 0], [0, 0]]) == 1.5
    assert gaps.answer_gap([None], [[1]]) is None
    assert gaps.answer_gap([1], []) is None


def test_by_area_mean_and_spread_match_numpy() -> None:
    at = datetime(2026, 11, 2, tzinfo=UTC)
    rows = [
        gaps.Pair("Learning theory", at, "attempt", [3, 3], [[1, 2]]),
        gaps.Pair("Learning theory", at, "practice", [2], [[1]]),
        gaps.Pair("Learning theory", at, "attempt", [4], [[2]]),
        gaps.Pair("Optimisation", at, "attempt", [0], [[2]]),
    ]
    lt = [1.5, 1.0, 2.0]
    got = {r.area: r for r in gaps.by_area(rows)}
    assert got["Learning theory"].mean == pytest.approx(np.mean(lt))
    assert got["Learning theory"].spread == pytest.approx(np.std(lt))
    assert got["Learning theory"].from_practice == 1
    assert got["Learning theory"].sentence == "You overrate yourself on Learning theory by 1.5 levels."
    assert got["Optimisation"].sentence == "You underrate yourself on Optimisation by 2.0 levels."
    weekly = gaps.weekly(rows)
    assert weekly["Learning theory"][0][1:] == pytest.approx((np.mean(lt), 3, np.std(lt)))
    chart = gaps.chart(weekly)
    # the spread as a whisker around the week's mean: one for the area with several answers
    (whisker,) = chart.marks
    assert whisker.css.startswith("whisker") and whisker.h > 0 and "Learning theory" in whisker.label
    for s in chart.series:
        for p in s.points:
            assert chart.left <= p.x <= chart.left + chart.plot_w
            assert chart.top <= p.y <= chart.top + chart.plot_h
