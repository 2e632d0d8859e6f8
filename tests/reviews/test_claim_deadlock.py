"""A claim meets the analytics refresher on the same attempt (real connections, committed database).

The deadlock once seen as a 503 on "Claim next": the claim locked the attempt row and moved it to
`in_review`, whose trigger queues the attempt in `analytics_dirty`; the refresher had just taken
(deleted, uncommitted) that queue row and was inserting the attempt's facts (`an_item`, whose
foreign key to `attempt` takes a KEY SHARE lock). The claim's `FOR UPDATE` blocked the refresher's
key share while the claim's queue insert waited for the refresher: a cycle. A claim locks the
attempt `FOR NO KEY UPDATE` (claimers still serialise on it; foreign-key checks pass).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from app.analytics import refresh
from tests.live import LiveDb
from tests.reviews.conftest import complete_draft
from tests.reviews.test_claims import finalised_attempts

pytestmark = pytest.mark.anyio


async def _waiting_on_locks(live: LiveDb) -> int:
    async with live.engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )
        return int(found.scalar() or 0)


async def _refresher_meets(live: LiveDb, claim: Any, *, attempt_id: Any) -> tuple[Any, int]:
    """The refresher takes the attempt from the queue, the claim starts and blocks on that queue
    row, then the refresher inserts the attempt's facts and commits; the claim's answer and the
    number of fact rows the refresher wrote."""
    async with live.engine.connect() as conn:
        tx = await conn.begin()
        taken = [r[0] for r in (await conn.execute(refresh.TAKE, {"batch": 1_000})).all()]
        assert attempt_id in taken
        task = asyncio.ensure_future(claim())
        for _ in range(200):  # until the claim waits for the refresher (its queue insert)
            if task.done() or await _waiting_on_locks(live) >= 1:
                break
            await asyncio.sleep(0.02)
        await conn.execute(refresh.DROP_ITEMS, {"ids": taken})
        added = len((await conn.execute(refresh.ADD_ITEMS, {"ids": taken})).all())
        await tx.commit()
    return await task, added


async def test_claim_next_while_the_refresher_takes_the_attempt(live: LiveDb) -> None:
    fmt, ids = await finalised_attempts(live, 1)
    application = live.app()
    user, _ = await live.users.create(roles=["candidate", "mentor"])
    c = await live.client(application, user.email)
    try:
        answer, added = await _refresher_meets(
            live, lambda: c.post("/reviews/claim", data={"format_id": str(fmt)}), attempt_id=ids[0]
        )
        assert answer.status_code == 303, answer.text
        assert added >= 1
    finally:
        await c.aclose()
        await application.state.resources.engine.dispose()


async def test_api_claim_while_the_refresher_takes_the_attempt(live: LiveDb) -> None:
    """The same meeting through the API's claim (the queue's JSON surface)."""
    fmt, ids = await finalised_attempts(live, 1)
    application = live.app()
    user, _ = await live.users.create(roles=["candidate", "mentor"])
    c = await live.client(application, user.email)
    try:
        answer, added = await _refresher_meets(
            live, lambda: c.post("/api/v1/reviews/claims", json={"format_id": str(fmt)}), attempt_id=ids[0]
        )
        assert answer.status_code == 201, answer.text
        assert added >= 1
    finally:
        await c.aclose()
        await application.state.resources.engine.dispose()


async def test_submit_while_the_refresher_takes_the_attempt(live: LiveDb) -> None:
    """The submit locks the attempt too, and its review's status change queues the attempt."""
    fmt, ids = await finalised_attempts(live, 1, reviewers_required=1)
    application = live.app()
    user, _ = await live.users.create(roles=["candidate", "mentor"])
    c = await live.client(application, user.email)
    try:
        claimed = await c.post("/api/v1/reviews/claims", json={"format_id": str(fmt)})
        assert claimed.status_code == 201, claimed.text
        review = (await c.get(f"/api/v1/reviews/{claimed.json()['id']}")).json()
        assert review["attempt_id"] == str(ids[0])
        body = complete_draft(review)
        answer, added = await _refresher_meets(
            live, lambda: c.post(f"/api/v1/reviews/{review['id']}/submit", json=body), attempt_id=ids[0]
        )
        assert answer.status_code == 200, answer.text
        assert added >= 1
    finally:
        await c.aclose()
        await application.state.resources.engine.dispose()
