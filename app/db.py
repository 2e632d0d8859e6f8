"""Engine, ORM base and the request-scoped session that owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from app.config import get_settings
from app.events.outbox import run_after_commit

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def async_url(url: str) -> str:
    """Normalise any postgres URL to the psycopg 3 async driver."""
    for prefix in ("postgresql+psycopg://", "postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def pg_options(*, statement_timeout_ms: int, lock_timeout_ms: int) -> str:
    """libpq `options` setting a connection's statement and lock timeouts."""
    return f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={lock_timeout_ms}"


def make_engine(url: str, *, fail_fast: bool = False, **kw: Any) -> AsyncEngine:
    """An engine; `fail_fast` (the web app) bounds the pool wait, each statement and each lock wait,
    so a down, locked or saturated database surfaces as an error (a 503) within seconds.
    Command-line jobs (seed, import, sweep) keep no statement timeout."""
    settings = get_settings()
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 10)
    kw.setdefault("pool_pre_ping", True)
    # Parameters never reach a log line or an exception message: they include password
    # hashes, session and token digests, answers. The SQL text alone is enough to debug.
    kw.setdefault("hide_parameters", True)
    connect_args: dict[str, Any] = {"connect_timeout": settings.db_connect_timeout_seconds}
    if fail_fast:
        kw.setdefault("pool_timeout", settings.db_pool_timeout_seconds)
        connect_args["options"] = pg_options(
            statement_timeout_ms=settings.db_statement_timeout_ms, lock_timeout_ms=settings.db_lock_timeout_ms
        )
    kw.setdefault("connect_args", connect_args)
    return create_async_engine(async_url(url), **kw)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: commit on success, roll back on error.

    The commit happens before the response is sent, so a 200 means the data is durable.
    """
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        # the handlers of the events this request emitted (notifications, …), after the commit
        await run_after_commit(maker, session)


# scope="function": the commit runs when the endpoint returns, before the response is sent.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
