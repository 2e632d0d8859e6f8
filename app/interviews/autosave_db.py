"""How the autosave statement reaches Postgres: one round trip, bounded work, failing fast.

The statement (`repository.SAVE_ANSWER`, an SQLAlchemy Core select over the `save_answer` SQL
function) is compiled once with SQLAlchemy's psycopg dialect and sent straight to psycopg as a
prepared statement. In the running app the connection comes from the autosave pool in autocommit
mode: the single statement is its own transaction, so one network round trip both stores the
answer and commits it, and the reply is only sent after that. (Through an SQLAlchemy session the
same save costs BEGIN + statement + COMMIT, and a ping after the connection was idle: three or
four round trips.)

`AutosaveDb` takes its connections from a `Connections` source: the pool in the app (created by
the lifespan, app/runtime.py); tests built without the lifespan give it their rolled-back
connection (tests/fixtures.py), so they run this same code, statement and decoding.
"""

from __future__ import annotations

import re
import time
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect

from app.config import Settings
from app.db import pg_options
from app.errors import Unavailable
from app.interviews.repository import SAVE_ANSWER, SAVE_PARAMS
from app.interviews.save_outcome import SaveRow
from app.kit.admission import AdaptiveLimit, LoopLag
from app.web.errors import json_error

_compiled = SAVE_ANSWER.compile(dialect=psycopg_dialect.dialect())  # type: ignore[no-untyped-call]
SAVE_ANSWER_SQL: str = _compiled.string
assert tuple(_compiled.params) == SAVE_PARAMS, "the statement's parameters changed: update SAVE_PARAMS"


class Connections(Protocol):
    """Where saves get a connection (psycopg_pool.AsyncConnectionPool fits)."""

    def connection(
        self, timeout: float | None = None
    ) -> AbstractAsyncContextManager[psycopg.AsyncConnection[Any]]: ...

    async def check(self) -> None: ...


class Busy(Unavailable):
    """More saves in flight in this process than it can finish promptly: refused at once (the page
    resends the identical save after Retry-After), instead of queueing without bound."""

    reason = "busy"


def autosave_pool(url: str, settings: Settings, *, min_size: int | None = None) -> AsyncConnectionPool:
    """The autosave pool: autocommit connections with a statement and a lock timeout (not opened)."""
    return AsyncConnectionPool(
        re.sub(r"^postgresql\+\w+://", "postgresql://", url),
        min_size=min(2, settings.autosave_pool_size) if min_size is None else min_size,
        max_size=settings.autosave_pool_size,
        open=False,
        timeout=settings.autosave_pool_timeout_seconds,
        # psycopg_pool backs off exponentially (1, 2, 4, … s) while it cannot connect, so after
        # a long outage the next attempt could come many seconds after Postgres is back.
        # Giving up after a few seconds ends that; a waiting save then starts a fresh
        # attempt at once (the pool grows on demand), so saves recover within ~1 s.
        reconnect_timeout=3.0,
        kwargs={
            "autocommit": True,
            "connect_timeout": settings.db_connect_timeout_seconds,
            "options": pg_options(
                statement_timeout_ms=settings.autosave_statement_timeout_ms,
                lock_timeout_ms=settings.autosave_lock_timeout_ms,
            ),
        },
    )


class AutosaveDb:
    """Runs the save statement: bounded in-flight work, a bounded pool wait, one retry on a broken
    connection, all within `budget` seconds.

    Anything the database cannot do in that time raises (psycopg.OperationalError / PoolTimeout),
    which the one error handler turns into 503 + Retry-After. Admission (`admit`): at most
    `max_in_flight` saves at once in this process (the database's share: pool + waiting), and
    fewer while the event loop runs late (`lag`, app/kit/admission.py: the process's own CPU is
    the bottleneck); one more raises `Busy` (503) before any work is done.
    """

    def __init__(
        self, connections: Connections, settings: Settings, *, max_in_flight: int | None = None
    ) -> None:
        self.connections = connections
        self.pool_timeout = settings.autosave_pool_timeout_seconds
        self.budget = self.pool_timeout + settings.autosave_statement_timeout_ms / 1000
        self.max_in_flight = max_in_flight or settings.autosave_pool_size + settings.autosave_max_waiting
        self.busy_retry_after = settings.autosave_busy_retry_after_seconds
        self.lag: LoopLag | None = None
        if settings.autosave_lag_target_ms > 0:
            self.lag = LoopLag(
                AdaptiveLimit(
                    self.max_in_flight,
                    floor=settings.autosave_min_in_flight,
                    target=settings.autosave_lag_target_ms / 1000,
                )
            )
        self.in_flight = 0
        self.refused = 0
        self._busy_reply: tuple[list[tuple[bytes, bytes]], bytes] | None = None
        self.round_trips = 0

    def has_room(self) -> bool:
        """Would a save be admitted now? (Also keeps the loop-lag probe running while saves arrive.)"""
        if self.lag is None:
            return self.in_flight < self.max_in_flight
        self.lag.seen()
        return self.in_flight < min(self.max_in_flight, self.lag.limit.limit)

    def busy(self) -> Busy:
        error = Busy("The service is busy. Nothing was changed; please try again in a moment.")
        error.retry_after = self.busy_retry_after
        return error

    def busy_reply(self) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """The 503 of `busy()` as the error contract answers it (json_error: body, Retry-After,
        Vary), built once: the refusal path of a saturated process (autosave.autosave_shed)."""
        if self._busy_reply is None:
            response = json_error(self.busy())
            self._busy_reply = (response.raw_headers, bytes(response.body))
        return self._busy_reply

    def admit(self) -> None:
        """Take a slot or refuse now; pair with `release()` (the whole request holds the slot)."""
        if not self.has_room():
            self.refused += 1
            raise self.busy()
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1

    async def ready(self) -> None:
        """For /readyz: a connection from this source answers (raises otherwise)."""
        async with self.connections.connection(timeout=self.pool_timeout) as conn:
            await conn.execute("SELECT 1")

    async def run(self, params: dict[str, Any]) -> SaveRow:
        started = time.monotonic()
        try:
            return await self._execute(params, self.pool_timeout)
        except PoolTimeout:
            raise  # no connection within the wait: answer now (503), never wait a second time
        except psycopg.OperationalError as err:
            # Only a connection broken by a database restart is worth one retry; a statement or
            # lock timeout (the database is locked or saturated) is answered now (503).
            broken = err.sqlstate is None or err.sqlstate.startswith(("08", "57P"))
            left = self.budget - (time.monotonic() - started)
            if not broken or left <= 0.05:
                raise
            # Drop the dead idle connections and retry once on a fresh one within what is left of
            # the budget. The retry is the identical save (same save id), which the save function
            # recognises: it can never be stored twice.
            await self.connections.check()
            return await self._execute(params, min(self.pool_timeout, left))

    async def _execute(self, params: dict[str, Any], pool_wait: float) -> SaveRow:
        async with self.connections.connection(timeout=pool_wait) as conn:
            self.round_trips += 1
            # prepare=True: parsed and planned once per connection, then only bound and executed
            cursor = await conn.cursor(row_factory=tuple_row).execute(SAVE_ANSWER_SQL, params, prepare=True)
            row = await cursor.fetchone()
        assert row is not None, "save_answer returns exactly one row"
        return SaveRow(*row)
