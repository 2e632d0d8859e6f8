"""How the autosave statement reaches Postgres.

In the running app it goes straight through a psycopg 3 pool in autocommit mode: the single
statement is its own transaction, so one network round trip both stores the answer and
commits it, and the reply is only sent after that. (Through an SQLAlchemy session the same
save costs BEGIN + statement + COMMIT, plus a pre-ping: four round trips.)

Apps built without their lifespan (most tests) fall back to running the same statement
through `app.state.sessionmaker`, so it joins the test's rolled-back transaction.
"""

from __future__ import annotations

import re
import time
from typing import Any, Protocol

import psycopg
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import get_settings
from app.db import pg_options
from app.interviews.repository import SAVE_ANSWER

# The same SQL with psycopg's placeholders (the statement uses CAST(), never `::`, and no `%`).
SAVE_ANSWER_PG = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", SAVE_ANSWER.text)


class AutosaveDb(Protocol):
    async def run(self, params: dict[str, Any]) -> Any: ...

    async def ready(self) -> None: ...


class PoolAutosaveDb:
    """The production path: one autocommit round trip per save, failing fast.

    Every connection carries a statement and a lock timeout; waiting for a pooled connection is
    bounded too, and the whole save (with its one retry) by `budget` seconds. Anything the
    database cannot do in that time raises (psycopg.OperationalError / PoolTimeout), which the
    one error handler turns into 503 + Retry-After.
    """

    def __init__(self, url: str, *, min_size: int = 2, max_size: int = 10) -> None:
        settings = get_settings()
        libpq = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.pool_timeout = settings.autosave_pool_timeout_seconds
        self.budget = self.pool_timeout + settings.autosave_statement_timeout_ms / 1000
        self.pool = AsyncConnectionPool(
            libpq,
            min_size=min_size,
            max_size=max_size,
            open=False,
            timeout=self.pool_timeout,
            # psycopg_pool backs off exponentially (1, 2, 4, … s) while it cannot connect, so after
            # a long outage the next attempt could come many seconds after Postgres is back.
            # Giving up after a few seconds ends that; a waiting save then starts a fresh
            # attempt at once (the pool grows on demand), so saves recover within ~1 s.
            reconnect_timeout=3.0,
            kwargs={
                "autocommit": True,
                "row_factory": namedtuple_row,
                "connect_timeout": settings.db_connect_timeout_seconds,
                "options": pg_options(
                    statement_timeout_ms=settings.autosave_statement_timeout_ms,
                    lock_timeout_ms=settings.autosave_lock_timeout_ms,
                ),
            },
        )
        self.round_trips = 0
        self._opened = False

    async def open(self) -> None:
        if not self._opened:
            # wait=False: the app starts (and /healthz answers) even while the database is down
            await self.pool.open(wait=False)
            self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self.pool.close()
            self._opened = False

    async def ready(self) -> None:
        """For /readyz: a connection from this pool answers (raises otherwise)."""
        await self.open()
        async with self.pool.connection(timeout=self.pool_timeout) as conn:
            await conn.execute("SELECT 1")

    async def run(self, params: dict[str, Any]) -> Any:
        await self.open()
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
            await self.pool.check()
            return await self._execute(params, min(self.pool_timeout, left))

    async def _execute(self, params: dict[str, Any], pool_wait: float) -> Any:
        async with self.pool.connection(timeout=pool_wait) as conn:
            self.round_trips += 1
            cursor = await conn.execute(SAVE_ANSWER_PG, params)
            return await cursor.fetchone()


class SessionAutosaveDb:
    """Fallback for apps without a lifespan: the statement through an ORM session (tests)."""

    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self.maker = maker

    async def run(self, params: dict[str, Any]) -> Any:
        async with self.maker() as session:
            row = (await session.execute(SAVE_ANSWER, params)).one()
            await session.commit()
            return row

    async def ready(self) -> None:
        async with self.maker() as session:
            await session.execute(text("SELECT 1"))


def autosave_db(state: Any) -> AutosaveDb:
    db: AutosaveDb | None = getattr(state, "autosave_db", None)
    if db is None:
        db = SessionAutosaveDb(state.sessionmaker)
        state.autosave_db = db
    return db
