"""The candidate's progress page: chart (SVG with its own CSP, no script), the data table as its text
alternative, weakest topics with a similar question to practise, frequent misconceptions."""

from __future__ import annotations

import re

import pytest

from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio


async def test_progress_after_release(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    empty = await cand.get("/progress")
    assert empty.status_code == 200 and "No scored answers yet" in empty.text
    attempt = await take_interview(cand, fmt.id)
    page = (await cand.get("/progress")).text
    # before release only the objective answers count: gradient descent 100 % (single), learning rates 0 %
    assert "Gradient descent" in page and "Learning rates" in page
    mentor = await as_role("mentor")
    review = await claim(mentor)
    await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review, levels=(0, 0)))
    await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")

    page = (await cand.get("/progress")).text
    assert '<img src="/progress/chart.svg"' in page and 'alt="' in page
    assert 'id="progress-table"' in page
    # gradient descent: mean of single (1.0) and free text (0.0) = 50 %; learning rates 0 %
    weakest = page[page.index('id="weakest"') :]
    assert weakest.index("Learning rates") < weakest.index("Gradient descent")
    assert "50 %" in weakest and "0 %" in weakest
    assert "Bigger steps are always faster (1×)" in page
    # a similar published question in the weakest topic is linked (the candidate has not seen it)
    assert "try another question like this one" in page

    chart = await cand.get("/progress/chart.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert "script-src" not in chart.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in chart.headers["content-security-policy"]
    assert "<script" not in chart.text and "Gradient descent" in chart.text

    feedback = (await cand.get(f"/attempts/{attempt['id']}/feedback")).text
    assert "Try another question like this one: Another step-size question" in feedback
    results = (await cand.get(f"/attempts/{attempt['id']}/results")).text
    assert f'href="/attempts/{attempt["id"]}/feedback"' in results


async def test_progress_is_per_candidate(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    other = await as_role("candidate")
    assert "No scored answers yet" in (await other.get("/progress")).text


async def test_chart_labels_are_distinct_for_attempts_in_the_same_minute(
    make_format: MakeFormat, as_role
) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    await take_interview(cand, fmt.id)
    await take_interview(cand, fmt.id)  # the same minute
    svg = (await cand.get("/progress/chart.svg")).text
    labels = re.findall(r'<g class="guides"><path[^>]*/><text[^>]*>([^<]*)</text>', svg)
    x_labels = [label for label in labels if "#" in label]
    assert len(x_labels) == 2 and len(set(x_labels)) == 2, labels
    page = (await cand.get("/progress")).text
    assert "#1 ·" in page and "#2 ·" in page
