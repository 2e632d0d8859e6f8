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
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.live.models import LiveSession


class LiveState(StrEnum):
    scheduled = "scheduled"
    open = "open"
    ended = "ended"
    cancelled = "cancelled"


S = LiveState
# a stream of a session in one of these states is closed (and refused with 204)
FINISHED = (S.ended, S.cancelled)


@dataclass(frozen=True)
class Transition:
    name: str
    allowed_from: tuple[LiveState, ...]
    to: LiveState


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("open", (S.scheduled,), S.open),
        Transition("end", (S.open,), S.ended),
        Transition("cancel", (S.scheduled,), S.cancelled),
    )
}


async def apply(
    session: AsyncSession, name: str, session_id: uuid.UUID, values: Mapping[str, Any] | None = None
) -> bool:
    """Run transition `name` on one live session; False when it was not in an allowed state."""
    t = TRANSITIONS[name]
    stmt = (
        update(LiveSession)
        .where(LiveSession.id == session_id, LiveSession.state.in_([s.value for s in t.allowed_from]))
        .values(state=t.to.value, **(values or {}))
        .returning(LiveSession.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).first() is not None
