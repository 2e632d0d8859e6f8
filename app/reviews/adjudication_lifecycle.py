"""An adjudication's lifecycle: its statuses, the allowed transitions (one table), and the one
place where `adjudication.status` changes.

    (none) ──claim──▶ claimed ──settle──▶ settled
                       ▲   │
                       └───┘ claim again: the same adjudicator, or anyone once the claim expired
                             (give_back ends the holder's claim at once: it expires now and
                             the holder is cleared, so a stale tab of theirs cannot settle it)

Each transition is one conditional write (`... WHERE status IN allowed_from ... RETURNING`): of two
adjudicators claiming at once, or settling at once, the first wins and the other gets no row back
(the service answers 409). Nothing else in app/ writes `adjudication.status`
(tests/test_lifecycle_owner.py checks it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.lifecycle import Transition, move, table
from app.reviews.models import Adjudication


class AdjudicationStatus(StrEnum):
    claimed = "claimed"
    settled = "settled"


S = AdjudicationStatus


TRANSITIONS = table(
    Transition("claim", (S.claimed,), S.claimed),  # new row, or a claim renewed / taken over
    Transition("settle", (S.claimed,), S.settled),
)

# The INSERT serialises two claimers on the primary key: the second one waits for the first's
# commit, then finds the row claimed (live, by someone else) and gets nothing back.
_CLAIM = text(
    """
INSERT INTO adjudication (attempt_id, status, adjudicator_id, claimed_at, expires_at)
VALUES (:attempt_id, 'claimed', :me, :now, :expires_at)
ON CONFLICT (attempt_id) DO UPDATE
    SET adjudicator_id = EXCLUDED.adjudicator_id, claimed_at = EXCLUDED.claimed_at,
        expires_at = EXCLUDED.expires_at
    WHERE adjudication.status = 'claimed'
      AND (adjudication.adjudicator_id = EXCLUDED.adjudicator_id
           OR adjudication.expires_at <= EXCLUDED.claimed_at)
RETURNING attempt_id
"""
)


async def claim(
    session: AsyncSession, *, attempt_id: uuid.UUID, me: uuid.UUID, now: datetime, expires_at: datetime
) -> bool:
    """Claim (or renew one's own claim on) the adjudication; False when someone else holds it
    or it is settled."""
    params = {"attempt_id": attempt_id, "me": me, "now": now, "expires_at": expires_at}
    return (await session.execute(_CLAIM, params)).scalar() is not None


async def settle(
    session: AsyncSession, attempt_id: uuid.UUID, me: uuid.UUID, values: Mapping[str, Any]
) -> bool:
    """Store the final scores (`values`) if this adjudicator still holds the claim; else False."""
    mine = (Adjudication.attempt_id == attempt_id, Adjudication.adjudicator_id == me)
    stmt = move(
        Adjudication.status, TRANSITIONS["settle"], *mine, values=values, returning=[Adjudication.attempt_id]
    )
    return (await session.execute(stmt)).scalar() is not None


async def give_back(session: AsyncSession, attempt_id: uuid.UUID, me: uuid.UUID, now: datetime) -> bool:
    """End this adjudicator's claim now (it stays `claimed`, expired and held by nobody: anyone
    may claim it, and a settle from the giver's other tab finds it not theirs)."""
    done = await session.execute(
        update(Adjudication)
        .where(
            Adjudication.attempt_id == attempt_id,
            Adjudication.status == S.claimed.value,
            Adjudication.adjudicator_id == me,
            Adjudication.expires_at > now,
        )
        .values(expires_at=now, adjudicator_id=None)
        .returning(Adjudication.attempt_id)
        .execution_options(synchronize_session=False)
    )
    return done.scalar() is not None
