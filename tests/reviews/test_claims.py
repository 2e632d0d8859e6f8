"""Claim next over real concurrent connections on a committed database (acceptance 1).

10 mentors click "claim next" at the same moment over 5 finalised attempts: no errors, and no
attempt gets more claims than its format requires; expired claims return to the queue.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app.config import get_settings
from app.interviews import formats
from app.interviews import service as interviews
from app.kit import clock
from tests.live import LiveDb
from tests.reviews.conftest import format_doc

pytestmark = pytest.mark.anyio


async def finalised_attempts(live: LiveDb, n: int, **fmt: Any) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A format and n submitted attempts by n candidates, made through the interviews service."""
    async with live.maker() as s:
        f = await formats.save_format(
            s, format_doc(title=f"Claims {uuid.uuid4().hex[:6]}", **fmt), admin=None
        )
        await s.commit()
    ids = []
    for _ in range(n):
        user, _ = await live.users.create()
        async with live.maker() as s:
            attempt = await interviews.start_attempt(s, user, f.id)
            await s.commit()
            done = await interviews.submit_attempt(s, user, attempt.id)
            assert done.needs_review
            await s.commit()
        ids.append(attempt.id)
    return f.id, ids


async def claims_per_attempt(live: LiveDb, ids: list[uuid.UUID]) -> Counter[uuid.UUID]:
    async with live.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT attempt_id FROM review WHERE attempt_id = ANY(:ids) "
                "AND (status = 'submitted' OR (status = 'claimed' AND expires_at > :now))"
            ),
            {"ids": ids, "now": clock.now()},
        )
        return Counter(r[0] for r in rows)


async def mentors(live: LiveDb, application: Any, n: int) -> list[Any]:
    out = []
    for _ in range(n):
        user, _ = await live.users.create(roles=["candidate", "mentor"])
        out.append(await live.client(application, user.email))
    return out


@pytest.mark.slow  # concurrency stress: ten mentors claim at once, for one and for two reviewers
@pytest.mark.parametrize("required", [1, 2])
async def test_ten_concurrent_claims_over_five_attempts(live: LiveDb, required: int) -> None:
    format_id, ids = await finalised_attempts(live, 5, reviewers_required=required)
    application = live.app()
    clients = await mentors(live, application, 10)
    try:
        responses = await asyncio.gather(
            *(c.post("/api/v1/reviews/claims", json={"format_id": str(format_id)}) for c in clients)
        )
        assert {r.status_code for r in responses} <= {201, 204}, [r.text for r in responses]
        claimed = [r.json()["attempt_id"] for r in responses if r.status_code == 201]
        counts = await claims_per_attempt(live, ids)
        assert all(v <= required for v in counts.values()), counts
        assert sum(counts.values()) == len(claimed)
        # every free place is taken in that one round (a click that finds every free row locked
        # waits for it instead of answering "nothing to claim"); the others get 204
        assert counts == dict.fromkeys(ids, required)
        assert len(claimed) == 5 * required
        r = await clients[0].post("/api/v1/reviews/claims", json={"format_id": str(format_id)})
        assert r.status_code == 204
    finally:
        for c in clients:
            await c.aclose()
        await application.state.resources.engine.dispose()


async def test_expired_claims_return_to_the_queue(live: LiveDb, monkeypatch: pytest.MonkeyPatch) -> None:
    # shorter than the session idle timeout, so the mentors stay signed in across the clock jump
    monkeypatch.setattr(get_settings(), "claim_minutes", 10)
    format_id, ids = await finalised_attempts(live, 2, reviewers_required=1)
    application = live.app()
    a, b = await mentors(live, application, 2)
    body = {"format_id": str(format_id)}
    try:
        first = [(await a.post("/api/v1/reviews/claims", json=body)).json()["attempt_id"] for _ in range(2)]
        assert sorted(first) == sorted(str(i) for i in ids)
        assert (await b.post("/api/v1/reviews/claims", json=body)).status_code == 204
        queue = (await b.get("/api/v1/reviews/queue", params=body)).json()
        assert queue["items"] == []

        clock.advance(timedelta(minutes=get_settings().claim_minutes, seconds=1))
        queue = (await b.get("/api/v1/reviews/queue", params=body)).json()
        assert sorted(e["attempt_id"] for e in queue["items"]) == sorted(str(i) for i in ids)
        r = await b.post("/api/v1/reviews/claims", json=body)
        assert r.status_code == 201 and r.json()["attempt_id"] == str(ids[0])  # oldest first
        # a's draft on the attempt b took is refused (and not stored); the other one is renewed
        mine = {e["attempt_id"]: e["id"] for e in (await a.get("/api/v1/reviews/mine")).json()}
        lost = await a.put(f"/api/v1/reviews/{mine[str(ids[0])]}/draft", json={"revision": 1, "draft": {}})
        assert lost.status_code == 409 and "another mentor" in lost.json()["error"]
        kept = await a.put(f"/api/v1/reviews/{mine[str(ids[1])]}/draft", json={"revision": 1, "draft": {}})
        assert kept.status_code == 200, kept.text
        assert (await b.post("/api/v1/reviews/claims", json=body)).status_code == 204
    finally:
        for c in (a, b):
            await c.aclose()
        await application.state.resources.engine.dispose()


async def test_released_claim_returns_to_the_queue_and_not_to_the_same_mentor(live: LiveDb) -> None:
    format_id, ids = await finalised_attempts(live, 1, reviewers_required=1)
    application = live.app()
    a, b = await mentors(live, application, 2)
    body = {"format_id": str(format_id)}
    try:
        review = (await a.post("/api/v1/reviews/claims", json=body)).json()
        assert (await a.delete(f"/api/v1/reviews/{review['id']}/claim")).status_code == 204
        assert (
            await a.post("/api/v1/reviews/claims", json=body)
        ).status_code == 204  # not offered again to a
        assert (await b.post("/api/v1/reviews/claims", json=body)).json()["attempt_id"] == str(ids[0])
    finally:
        for c in (a, b):
            await c.aclose()
        await application.state.resources.engine.dispose()
