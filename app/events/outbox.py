"""Where an event is sent: `emit()` writes a domain event into the outbox table in the caller's
transaction and announces it with `pg_notify`; Postgres delivers the announcement only if that
transaction commits, to every listening connection of every app process.

Every kind of event is listed in `EventKind` below, with its payload. After the commit:
- the emitting process runs the kind's registered handlers itself (`run_after_commit`, called by
  the request session right after its commit), each event claimed in its own transaction, so a
  handler that writes (a notification) runs exactly once whichever process tries;
- the sweeper runs handlers of events left unhandled (the emitting process died in between;
  `handle_pending`) and prunes handled events after `events_keep_days` (`prune`);
- the dispatcher of every process (app/events/dispatcher.py) hands each event to its live
  subscribers (SSE streams), replaying from this table by id after a reconnect.
"""

from __future__ import annotations

import importlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

log = logging.getLogger("mlmock.events")

CHANNEL = "mlmock_events"
MAX_FAILURES = 5  # a handler failing this often is left alone (logged), the event kept for inspection
_NOTIFY_LIMIT = 7000  # pg_notify payloads must stay under 8000 bytes: larger events are fetched by id
_PENDING = "events.pending"


class EventKind(StrEnum):
    """Every event the app sends. Payloads are JSON objects; ids are strings."""

    # the candidate's feedback was released: {attempt_id, format_title}; audience: the candidate
    feedback_released = "feedback.released"
    # released feedback was adjudicated (its final scores changed): {attempt_id, format_title};
    # audience: the candidate
    feedback_adjudicated = "feedback.adjudicated"
    # a new account: {}; audience: its owner
    account_registered = "account.registered"
    # someone tried to register an address that has an account: {}; audience: its owner
    registration_attempted = "account.registration_attempted"
    # an attempt moved (app/interviews/lifecycle.py): {attempt_id, transition, state};
    # audience: the candidate and the attempt
    attempt_state_changed = "attempt.state_changed"
    # the follow-up ladder of a live attempt (app/interviews/prompts.py). live.prompt: the interviewer
    # gave a follow-up or a hint {attempt_id, prompt_id, item_id, position, kind, ref, text_html,
    # sent_at}; live.followup_answer: the candidate's answer to a follow-up was stored {attempt_id,
    # prompt_id, item_id, revision, text, saved_at}; audience: the candidate and the interviewer,
    # the attempt
    live_prompt_sent = "live.prompt"
    live_followup_answered = "live.followup_answer"
    # a live mock interview was booked / cancelled (app/booking):
    # {booking_id, starts_at (ISO, UTC), format_title, mentor_name, candidate_name, by};
    # audience: the mentor and the candidate
    booking_booked = "booking.booked"
    booking_cancelled = "booking.cancelled"
    # live sessions (app/live; payloads documented in app/live/__init__.py). live.opened:
    # {session_id, booking_id, attempt_id, opened_at, attempt_url, live_url}; live.ended:
    # {session_id, booking_id, attempt_id, ended_at}; audience: mentor + candidate, the attempt
    live_opened = "live.opened"
    live_ended = "live.ended"
    # a stored save of a live attempt, emitted by the save_answer SQL function (never by emit()):
    # {attempt_id, item_id, position, revision, value, saved_at, time_spent_seconds};
    # audience: the candidate, the attempt
    answer_saved = "answer.saved"
    # an admin extended a running attempt: {attempt_id, deadline_at, extended_seconds};
    # audience: the candidate, the attempt
    attempt_deadline_changed = "attempt.deadline_changed"


@dataclass(frozen=True)
class Audience:
    """Who may see an event: these users, and whoever may see this attempt."""

    user_ids: Sequence[uuid.UUID] = ()
    attempt_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    payload: dict[str, Any]
    user_ids: tuple[uuid.UUID, ...] = ()
    attempt_id: uuid.UUID | None = None
    created_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Event:
        return cls.from_mapping(row._mapping)

    @classmethod
    def from_mapping(cls, m: Mapping[Any, Any]) -> Event:
        return cls(
            id=int(m["id"]),
            kind=m["kind"],
            payload=dict(m["payload"] or {}),
            user_ids=tuple(m["user_ids"] or ()),
            attempt_id=m["attempt_id"],
            created_at=m["created_at"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "payload": self.payload,
            "user_ids": [str(u) for u in self.user_ids],
            "attempt_id": str(self.attempt_id) if self.attempt_id else None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            id=int(data["id"]),
            kind=data["kind"],
            payload=data.get("payload") or {},
            user_ids=tuple(uuid.UUID(u) for u in data.get("user_ids") or ()),
            attempt_id=uuid.UUID(data["attempt_id"]) if data.get("attempt_id") else None,
            created_at=datetime.fromisoformat(data["created_at"]) if data.get("created_at") else None,
        )


# ---- handlers (after commit) ---------------------------------------------------------------------

Handler = Callable[[AsyncSession, Event], Awaitable[None]]
Predicate = Callable[[Mapping[str, Any]], bool]
_HANDLERS: dict[str, list[tuple[Handler, Predicate | None]]] = {}
# modules that register handlers; imported on first use so that this package imports no domain
HANDLER_MODULES = ("app.reviews.notify", "app.booking.notify", "app.live.notify")
_loaded = False


def on(kind: EventKind, *, when: Predicate | None = None) -> Callable[[Handler], Handler]:
    """Register an after-commit handler for `kind`. It runs once per event, in the transaction that
    marks the event handled: its writes commit with that mark or not at all. `when(payload)`: only
    for such events (the others of the kind stay handled at insert: no after-commit work)."""

    def register(fn: Handler) -> Handler:
        _HANDLERS.setdefault(kind.value, []).append((fn, when))
        return fn

    return register


def handlers_for(kind: str, payload: Mapping[str, Any]) -> list[Handler]:
    global _loaded
    if not _loaded:
        for name in HANDLER_MODULES:
            importlib.import_module(name)
        _loaded = True
    return [fn for fn, when in _HANDLERS.get(kind, []) if when is None or when(payload)]


# ---- emit ----------------------------------------------------------------------------------------

_INSERT = text(
    """
INSERT INTO domain_event (kind, payload, user_ids, attempt_id, handled_at)
VALUES (:kind, CAST(:payload AS jsonb), CAST(:user_ids AS uuid[]), :attempt_id,
        CASE WHEN :pending THEN NULL ELSE now() END)
RETURNING id, created_at
"""
)
_NOTIFY = text("SELECT pg_notify(:channel, :message)")


async def emit(
    session: AsyncSession, kind: EventKind, payload: dict[str, Any], audience: Audience = Audience()
) -> Event:
    """Write the event in the session's transaction and announce it (delivered only on commit)."""
    pending = bool(handlers_for(kind.value, payload))
    user_ids = [str(u) for u in audience.user_ids]
    row = (
        await session.execute(
            _INSERT,
            {
                "kind": kind.value,
                "payload": json.dumps(payload, separators=(",", ":"), default=str),
                "user_ids": "{" + ",".join(user_ids) + "}",
                "attempt_id": audience.attempt_id,
                "pending": pending,
            },
        )
    ).one()
    ev = Event(row.id, kind.value, payload, tuple(audience.user_ids), audience.attempt_id, row.created_at)
    message = json.dumps(ev.to_json(), separators=(",", ":"), default=str)
    if len(message.encode()) > _NOTIFY_LIMIT:
        message = json.dumps({"id": ev.id})
    await session.execute(_NOTIFY, {"channel": CHANNEL, "message": message})
    if pending:
        session.info.setdefault(_PENDING, []).append(ev.id)
    return ev


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


# ---- reading -------------------------------------------------------------------------------------

_COLUMNS = "id, kind, payload, user_ids, attempt_id, created_at"
_AFTER = text(
    f"""
WITH mark AS (  -- the snapshot event :after was inserted under (none: no look-back)
    SELECT CAST(snapshot AS pg_snapshot) AS snap FROM domain_event WHERE id = :after
)
SELECT {_COLUMNS} FROM (
    SELECT {_COLUMNS} FROM domain_event WHERE id > :after
    UNION ALL  -- lower ids that committed after :after's snapshot (late commits)
    SELECT {_COLUMNS} FROM domain_event e, mark
    WHERE e.xid >= CAST(CAST(pg_snapshot_xmin(mark.snap) AS text) AS bigint)
      AND e.id < :after
      AND NOT pg_visible_in_snapshot(CAST(CAST(e.xid AS text) AS xid8), mark.snap)
) e
WHERE (CAST(:user_id AS uuid) IS NULL OR CAST(:user_id AS uuid) = ANY(user_ids))
  AND (CAST(:attempt_id AS uuid) IS NULL OR attempt_id = CAST(:attempt_id AS uuid))
ORDER BY id
LIMIT :limit
"""  # noqa: S608 - constants only; values are bound parameters
)


async def events_after(
    session: AsyncSession,
    after: int,
    *,
    user_id: uuid.UUID | None = None,
    attempt_id: uuid.UUID | None = None,
    limit: int = 1000,
) -> list[Event]:
    """Committed events after `after`, in id order (SSE `Last-Event-ID` replay), optionally only
    those for one user or one attempt: the higher ids, and the lower ids that committed after
    event `after` did (ids are taken at insert, commits come in another order). A lower id is
    sent when event `after`'s insert snapshot does not see its transaction: it was running then
    (or had not started), so it may have committed after the reader got `after`; one that in fact
    committed before may come twice (the page's handlers are idempotent)."""
    rows = await session.execute(
        _AFTER, {"after": after, "user_id": user_id, "attempt_id": attempt_id, "limit": limit}
    )
    return [Event.from_row(r) for r in rows]


# ---- running handlers ----------------------------------------------------------------------------

_CLAIM = text(
    f"""
SELECT {_COLUMNS} FROM domain_event
WHERE id = :id AND handled_at IS NULL AND failures < :max_failures
FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - constants only; values are bound parameters
)
_DONE = text("UPDATE domain_event SET handled_at = now() WHERE id = :id")
_FAILED = text("UPDATE domain_event SET failures = failures + 1 WHERE id = :id")
_PENDING_IDS = text(
    """
SELECT id FROM domain_event
WHERE handled_at IS NULL AND failures < :max_failures AND created_at < now() - make_interval(secs => :grace)
ORDER BY id LIMIT :limit
"""
)
_PRUNE = text(
    """
DELETE FROM domain_event WHERE id IN (
    SELECT id FROM domain_event
    WHERE created_at < now() - make_interval(days => :days)
      AND (handled_at IS NOT NULL OR failures >= :max_failures)
    LIMIT :limit)
"""
)


async def handle(maker: async_sessionmaker[AsyncSession], event_id: int) -> bool:
    """Claim one event and run its handlers in one transaction; False when another process has it
    (or had it), or a handler failed (counted; the sweeper tries again later)."""
    async with maker() as session, session.begin():
        row = (await session.execute(_CLAIM, {"id": event_id, "max_failures": MAX_FAILURES})).first()
        if row is None:
            return False
        ev = Event.from_row(row)
        try:
            async with session.begin_nested():
                for fn in handlers_for(ev.kind, ev.payload):
                    await fn(session, ev)
        except Exception:
            log.exception("event handler failed", extra={"event_id": ev.id, "kind": ev.kind})
            await session.execute(_FAILED, {"id": ev.id})
            return False
        await session.execute(_DONE, {"id": ev.id})
    return True


async def run_after_commit(maker: async_sessionmaker[AsyncSession], session: AsyncSession) -> None:
    """After `session` committed: run the handlers of the events it emitted. Errors are logged, not
    raised (the commit stands; the sweeper retries what is left)."""
    for event_id in session.info.pop(_PENDING, []):
        try:
            await handle(maker, event_id)
        except Exception:
            log.exception("after-commit handling failed", extra={"event_id": event_id})


async def handle_pending(
    maker: async_sessionmaker[AsyncSession], *, grace_seconds: float = 5.0, limit: int = 100
) -> int:
    """Run the handlers of events older than `grace_seconds` still unhandled; how many ran."""
    async with maker() as session:
        ids = list(
            (
                await session.execute(
                    _PENDING_IDS, {"max_failures": MAX_FAILURES, "grace": grace_seconds, "limit": limit}
                )
            ).scalars()
        )
    done = 0
    for event_id in ids:
        done += await handle(maker, event_id)
    return done


async def prune(maker: async_sessionmaker[AsyncSession], *, days: int, limit: int = 5000) -> int:
    """Delete handled events older than `days` (a bounded batch per call); how many."""
    async with maker() as session, session.begin():
        result = await session.execute(_PRUNE, {"days": days, "max_failures": MAX_FAILURES, "limit": limit})
    return int(getattr(result, "rowcount", 0) or 0)
