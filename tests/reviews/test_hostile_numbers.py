"""A number typed in other digits ("²", "١") passes str.isdigit() but not int(): the annotation
form must refuse it as a bad offset (422 with a message), not answer 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import MakeFormat
from tests.reviews.conftest import complete_draft, take_interview
from tests.reviews.test_adjudication import disagree, settle_form
from tests.reviews.test_annotations import HTMX, annotated_review


@pytest.mark.anyio
async def test_annotation_offsets_in_non_ascii_digits_are_not_a_500(
    make_format: MakeFormat, as_role: Any
) -> None:
    _, mentor, review, item_id = await annotated_review(make_format, as_role)
    url = f"/reviews/{review['id']}/items/{item_id}/annotations"
    r = await mentor.post(url, data={"start": "²", "end": "٣", "comment": "Why?"}, headers=HTMX)
    assert r.status_code == 422, r.text


@pytest.mark.anyio
async def test_adjudication_level_in_non_ascii_digits_is_refused(
    make_format: MakeFormat, as_role: Any
) -> None:
    fmt = await make_format(reviewers_required=2)
    cand = await as_role("candidate")
    aid = (await take_interview(cand, fmt.id))["id"]
    m1, m2, third = await as_role("mentor"), await as_role("mentor"), await as_role("mentor")
    r1, _ = await disagree(m1, m2)
    assert (await third.post(f"/adjudication/{aid}/claim")).status_code == 303
    form = settle_form(r1)
    form[next(k for k in form if k.endswith("-level-0"))] = "²"
    r = await third.post(f"/adjudication/{aid}/settle", data=form)
    assert r.status_code == 422 and "Choose a final level for “Correctness”." in r.text, r.text


@pytest.mark.anyio
async def test_queue_filter_and_feedback_rating_in_non_ascii_digits_are_not_a_500(
    make_format: MakeFormat, as_role: Any
) -> None:
    cand, mentor, review, _ = await annotated_review(make_format, as_role)
    assert (await mentor.get("/reviews?topic_id=²")).status_code == 200  # an unknown topic: all
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    aid = review["attempt"]["id"]
    assert (await mentor.post(f"/reviews/attempts/{aid}/release")).status_code == 303
    r = await cand.post(f"/attempts/{aid}/feedback/rating", data={"rating": "⁵", "comment": "x"})
    assert r.status_code == 422, r.text
