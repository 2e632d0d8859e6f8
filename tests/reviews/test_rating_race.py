"""The candidate rates released feedback from two tabs at once (or a double click): the rating was
read, then inserted when missing, so the second insert hit the primary key and answered 500. Over
real concurrent connections every request now gets 200 and one rating is kept (rating again
replaces it, as one request after another always did)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.factories import claim_review
from tests.live import LiveDb
from tests.reviews.conftest import complete_draft
from tests.reviews.test_claims import finalised_attempts

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_concurrent_ratings_of_one_feedback_all_succeed(live: LiveDb) -> None:
    _, [attempt_id] = await finalised_attempts(live, 1)
    application = live.app()
    mentor_user, _ = await live.users.create(roles=["candidate", "mentor"])
    mentor = await live.client(application, mentor_user.email)
    async with live.engine.connect() as conn:
        owner = (
            await conn.execute(
                text("SELECT u.email FROM attempt a JOIN app_user u ON u.id = a.user_id WHERE a.id = :a"),
                {"a": attempt_id},
            )
        ).scalar_one()
    candidate = await live.client(application, owner)
    try:
        review = await claim_review(mentor)
        r = await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
        assert r.status_code == 200, r.text
        r = await mentor.post(f"/api/v1/reviews/attempts/{attempt_id}/release")
        assert r.status_code == 200, r.text
        url = f"/api/v1/attempts/{attempt_id}/feedback/rating"
        for _ in range(3):
            replies = await asyncio.gather(
                *(candidate.post(url, json={"rating": n, "comment": f"tab {n}"}) for n in range(1, 5))
            )
            assert [x.status_code for x in replies] == [200] * 4, [x.text for x in replies]
        page = await candidate.post(f"/attempts/{attempt_id}/feedback/rating", data={"rating": "5"})
        assert page.status_code in (200, 303), page.text
        async with live.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT rating FROM feedback_rating WHERE attempt_id = :a"), {"a": attempt_id}
                )
            ).all()
        assert [tuple(r) for r in rows] == [(5,)]
    finally:
        await mentor.aclose()
        await candidate.aclose()
        await application.state.resources.engine.dispose()
