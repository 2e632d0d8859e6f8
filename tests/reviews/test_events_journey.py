"""Each attempt transition is announced as an event in the same transaction (the live stream of
issue 20 builds on these): a review journey leaves, for that attempt, exactly the transitions it
made, in order, then the feedback release; only the candidate is in their audience."""

from __future__ import annotations

import uuid

import pytest

from app.events import events_after
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio


async def test_a_review_journey_announces_each_transition_once(make_format: MakeFormat, as_role, db) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 200
    assert (
        await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")
    ).status_code == 409  # no event

    async with db() as s:
        events = await events_after(s, 0, attempt_id=uuid.UUID(attempt["id"]))
        for_candidate = await events_after(s, 0, user_id=cand.user.id)
        for_mentor = await events_after(s, 0, user_id=mentor.user.id)
    assert [(e.kind, e.payload.get("state")) for e in events] == [
        ("attempt.state_changed", "submitted"),
        ("attempt.state_changed", "in_review"),
        ("attempt.state_changed", "reviewed"),
        ("attempt.state_changed", "released"),
        ("feedback.released", None),
    ]
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert {e.id for e in events} <= {e.id for e in for_candidate}
    assert not {e.id for e in events} & {e.id for e in for_mentor}
