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
from typing import Any, Protocol

import psycopg
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.interviews.repository import SAVE_ANSWER

# The same SQL with psycopg's placeholders (the statement uses CAST(), never `::`, and no `%`).
SAVE_ANSWER_PG = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", SAVE_ANSWER.text)


class AutosaveDb(Protocol):
    async def run(self, params: dict[str, Any]) -> Any: ...


class PoolAutosaveDb:
    """The production path: one autocommit round trip per save."""

    def __init__(self, url: str, *, min_size: int = 2, max_size: int = 10) -> None:
        libpq = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.pool = AsyncConnectionPool(
            libpq,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": namedtuple_row},
        )
        self.round_trips = 0
        self._opened = False

    async def open(self) -> None:
        if not self._opened:
            await self.pool.open()
            self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self.pool.close()
            self._opened = False

    async def run(self, params: dict[str, Any]) -> Any:
        await self.open()
        try:
            return await self._execute(params)
        except psycopg.OperationalError:
            # Connections broken by a database restart: drop every dead idle connection, then
            # retry once on a fresh one. The statement is idempotent (the same revision again
            # changes nothing), so the retry cannot store anything twice.
            await self.pool.check()
            return await self._execute(params)

    async def _execute(self, params: dict[str, Any]) -> Any:
        async with self.pool.connection() as conn:
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


def autosave_db(state: Any) -> AutosaveDb:
    db: AutosaveDb | None = getattr(state, "autosave_db", None)
    if db is None:
        db = SessionAutosaveDb(state.sessionmaker)
        state.autosave_db = db
    return db
