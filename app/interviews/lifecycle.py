"""The attempt's lifecycle: its states, the allowed transitions (one table), and the one place
where `attempt.state` changes.

    in_progress ──submit──▶ submitted ──┐
         │                              ├─take_for_review─▶ in_review ─┐
         └──────expire────▶ expired ────┘                              ├─complete_review─▶ reviewed ─release─▶ released
                                  (submitted / expired / in_review) ───┘

Each transition is one conditional UPDATE (`... WHERE state IN allowed_from ... RETURNING`):
whoever runs it first wins, a concurrent or repeated run updates nothing and learns so from the
empty RETURNING; each move is announced as an `attempt.state_changed` event in the same
transaction (app/events). Nothing else in app/ writes `state` (tests/test_lifecycle_owner.py checks it);
a new attempt starts in the column default, `in_progress`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, case, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.events import Audience, EventKind, emit
from app.interviews.models import Attempt
from app.kit.lifecycle import Transition, in_states, move, table


class AttemptState(StrEnum):
    in_progress = "in_progress"
    submitted = "submitted"
    expired = "expired"
    in_review = "in_review"
    reviewed = "reviewed"
    released = "released"


S = AttemptState
# finalised, waiting for (or under) mentor review
REVIEWABLE = (S.submitted, S.expired, S.in_review)


TRANSITIONS = table(
    Transition("submit", (S.in_progress,), S.submitted),
    Transition("expire", (S.in_progress,), S.expired),
    Transition("take_for_review", (S.submitted, S.expired), S.in_review),
    Transition("complete_review", REVIEWABLE, S.reviewed),
    Transition("release", (S.reviewed,), S.released),
)


def in_state(states: Sequence[AttemptState], column: Any = Attempt.state) -> ColumnElement[bool]:
    """`state IN (...)` with the values inlined, so the partial indexes on `state = 'in_progress'` apply."""
    return in_states(column, states)


def finalise_at(a: Any = Attempt) -> ColumnElement[Any]:
    """The instant the server finalises an open attempt: deadline (+ grace in grace mode)."""
    grace = case((a.expiry_mode == "grace", a.grace_seconds), else_=0)
    return a.deadline_at + grace * literal_column("interval '1 second'")  # type: ignore[no-any-return]


async def apply(
    session: AsyncSession,
    name: str,
    *,
    where: Sequence[ColumnElement[bool]],
    values: Mapping[str, Any] | None = None,
    returning: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """Run transition `name` on the rows matching `where` that are in one of its allowed states;
    the rows it moved as (id, user_id, *returning) (empty: none was in an allowed state).
    Each move is announced as an `attempt.state_changed` event (app/events), in this transaction;
    a live attempt's says `"live": true` (app/live ends its session when the attempt is over)."""
    t = TRANSITIONS[name]
    stmt = move(
        Attempt.state,
        t,
        *where,
        values=values,
        returning=(Attempt.id, Attempt.user_id, *returning, Attempt.live),
    )
    moved = list((await session.execute(stmt)).all())
    for row in moved:
        payload: dict[str, Any] = {"attempt_id": str(row[0]), "transition": t.name, "state": t.to.value}
        if row[-1]:
            payload["live"] = True
        await emit(
            session,
            EventKind.attempt_state_changed,
            payload,
            Audience(user_ids=(row[1],), attempt_id=row[0]),
        )
    return [tuple(row)[:-1] for row in moved]


# ---- the transitions, named ----------------------------------------------------------------------


async def submit(session: AsyncSession, attempt_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> bool:
    """The candidate's submit, accepted before the deadline (+ grace)."""
    rows = await apply(
        session,
        "submit",
        where=[Attempt.id == attempt_id, Attempt.user_id == user_id, finalise_at() > now],
        values={"finished_at": now, "finalised_by": "submit", "counted": True},
    )
    return bool(rows)


async def finish_stand_in(session: AsyncSession, attempt_id: uuid.UUID, finished_at: datetime) -> bool:
    """A calibration stand-in attempt (app/reviews/anchors.py), built finished: it goes through the
    same `submit` transition but stays not counted, so no result or statistic ever includes it."""
    rows = await apply(
        session,
        "submit",
        where=[Attempt.id == attempt_id, Attempt.counted.is_(False)],
        values={"finished_at": finished_at, "finalised_by": "submit"},
    )
    return bool(rows)


def _expired_values(by: Any) -> dict[str, Any]:
    return {
        "finished_at": Attempt.deadline_at,
        "finalised_by": by,
        "counted": Attempt.expiry_mode == "autosubmit",
    }


async def expire(session: AsyncSession, attempt_id: uuid.UUID, now: datetime, *, by: str) -> bool:
    """Finalise one overdue attempt (finished_at = deadline); True if this call did it."""
    rows = await apply(
        session, "expire", where=[Attempt.id == attempt_id, finalise_at() <= now], values=_expired_values(by)
    )
    return bool(rows)


async def expire_due(session: AsyncSession, now: datetime, *, batch: int) -> list[uuid.UUID]:
    """The sweeper: finalise up to `batch` overdue attempts, skipping rows others hold."""
    a = aliased(Attempt)
    due = (
        select(a.id)
        .where(in_state([S.in_progress], a.state), finalise_at(a) <= now)
        .order_by(a.deadline_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    rows = await apply(session, "expire", where=[Attempt.id.in_(due)], values=_expired_values("sweeper"))
    return [r[0] for r in rows]


async def take_for_review(session: AsyncSession, attempt_id: uuid.UUID) -> bool:
    """A mentor claimed it (a no-op when it is already in review)."""
    return bool(await apply(session, "take_for_review", where=[Attempt.id == attempt_id]))


async def complete_review(session: AsyncSession, attempt_id: uuid.UUID) -> bool:
    """Every required review is in."""
    return bool(await apply(session, "complete_review", where=[Attempt.id == attempt_id]))


async def release(session: AsyncSession, attempt_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Show the feedback to the candidate, once: (candidate id, format id), or None if not `reviewed`."""
    rows = await apply(session, "release", where=[Attempt.id == attempt_id], returning=(Attempt.format_id,))
    if not rows:
        return None
    _, user_id, format_id = rows[0]
    return user_id, format_id
