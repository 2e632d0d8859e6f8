"""A live session's lifecycle: its states, the allowed transitions (one table), and the one place
where `live_session.state` changes.

    scheduled ──open──▶ open ──end──▶ ended
        │
        └──cancel──▶ cancelled        (the booking was cancelled or moved)

Each transition is one conditional UPDATE (`... WHERE state IN allowed_from ... RETURNING`): the
first caller wins, a racing or repeated one gets no row back.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.lifecycle import Transition, move, table
from app.live.models import LiveSession


class LiveState(StrEnum):
    scheduled = "scheduled"
    open = "open"
    ended = "ended"
    cancelled = "cancelled"


S = LiveState
# a stream of a session in one of these states is closed (and refused with 204)
FINISHED = (S.ended, S.cancelled)


TRANSITIONS = table(
    Transition("open", (S.scheduled,), S.open),
    Transition("end", (S.open,), S.ended),
    Transition("cancel", (S.scheduled,), S.cancelled),
)


async def apply(
    session: AsyncSession, name: str, session_id: uuid.UUID, values: Mapping[str, Any] | None = None
) -> bool:
    """Run transition `name` on one live session; False when it was not in an allowed state."""
    t = TRANSITIONS[name]
    stmt = move(LiveSession.state, t, LiveSession.id == session_id, values=values, returning=[LiveSession.id])
    return (await session.execute(stmt)).first() is not None
