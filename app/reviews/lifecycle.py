"""A review's lifecycle: its statuses, the allowed transitions (one table), and the one place where
`review.status` changes. (The attempt's own states are in app/interviews/lifecycle.py.)

    (none) ──claim──▶ claimed ──submit──▶ submitted
                       │  ▲
                give_back  └─ claim again (same mentor, once the claim expired: the draft comes back)
                       ▼
                    released

Each transition is one conditional write (`... WHERE status IN allowed_from ... RETURNING`):
a lost race or a repeat updates nothing and gets no row back. Nothing else in app/ writes
`review.status` (tests/test_lifecycle_owner.py checks it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.lifecycle import Transition, move, table
from app.reviews.models import Review


class ReviewStatus(StrEnum):
    claimed = "claimed"
    released = "released"
    submitted = "submitted"


S = ReviewStatus


TRANSITIONS = table(
    Transition("claim", (S.claimed,), S.claimed),  # new row, or an expired claim taken up again
    Transition("give_back", (S.claimed,), S.released),
    Transition("submit", (S.claimed,), S.submitted),
)

# A new claim, or this mentor's expired claim taken up again (the same row, so its draft survives).
_CLAIM = text(
    """
INSERT INTO review (id, attempt_id, reviewer_id, status, claimed_at, expires_at)
VALUES (:id, :attempt_id, :me, 'claimed', :now, :expires_at)
ON CONFLICT (attempt_id, reviewer_id) DO UPDATE
    SET status = 'claimed', claimed_at = EXCLUDED.claimed_at, expires_at = EXCLUDED.expires_at
    WHERE review.status = 'claimed' AND review.expires_at <= EXCLUDED.claimed_at
RETURNING id
"""
)


async def claim(
    session: AsyncSession, *, attempt_id: uuid.UUID, mentor_id: uuid.UUID, now: datetime, expires_at: datetime
) -> uuid.UUID | None:
    """The review row now claimed by this mentor, or None (they hold a live or finished one)."""
    params = {
        "id": uuid.uuid4(),
        "attempt_id": attempt_id,
        "me": mentor_id,
        "now": now,
        "expires_at": expires_at,
    }
    found: uuid.UUID | None = (await session.execute(_CLAIM, params)).scalar()
    return found


async def _apply(
    session: AsyncSession,
    name: str,
    review_id: uuid.UUID,
    *where: Any,
    values: Mapping[str, Any] | None = None,
) -> bool:
    t = TRANSITIONS[name]
    stmt = move(Review.status, t, Review.id == review_id, *where, values=values, returning=[Review.id])
    return (await session.execute(stmt)).scalar() is not None


async def give_back(session: AsyncSession, review_id: uuid.UUID, mentor_id: uuid.UUID) -> bool:
    """The mentor gives the claim back to the queue (the draft stays on the row)."""
    return await _apply(session, "give_back", review_id, Review.reviewer_id == mentor_id)


async def submit(session: AsyncSession, review_id: uuid.UUID, values: Mapping[str, Any]) -> bool:
    """Store the verdict (`values`: submitted_at, scores, summary, …) and close the claim."""
    return await _apply(session, "submit", review_id, values=values)
