"""The app engine's pool checks a connection at checkout only when it may be gone (app/db.py,
`_ping_when_in_doubt`): one used moments ago is handed out without a round trip; one the server
ended, or one idle for a while, is pinged and replaced when dead."""

from __future__ import annotations

import asyncio
import os
import resource
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import db as app_db
from app.db import make_engine

pytestmark = pytest.mark.anyio


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[tuple[AsyncEngine, list[int]]]:
    """The app's kind of engine, and a list that grows by one per ping it sends."""
    engine = make_engine(database_url, fail_fast=True, pool_size=1)
    pings: list[int] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    try:
        yield engine, pings
    finally:
        await engine.dispose()


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_used_moments_ago_is_not_pinged(engine: tuple[AsyncEngine, list[int]]) -> None:
    eng, pings = engine
    first = await _backend_pid(eng)
    assert await _backend_pid(eng) == first  # the same pooled connection
    assert pings == []


async def test_a_connection_idle_for_a_while_is_pinged(
    engine: tuple[AsyncEngine, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    eng, pings = engine
    first = await _backend_pid(eng)
    monkeypatch.setattr(app_db, "PING_IDLE_SECONDS", 0.0)
    assert await _backend_pid(eng) == first
    assert pings == [1]


async def test_a_connection_the_server_ended_is_replaced(
    engine: tuple[AsyncEngine, list[int]], database_url: str
) -> None:
    eng, pings = engine
    first = await _backend_pid(eng)
    libpq = database_url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(libpq, autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        for _ in range(200):  # until the backend has gone (it sends its FATAL error as it goes)
            found = await (
                await admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (first,))
            ).fetchone()
            if found is None:
                break
            await asyncio.sleep(0.05)
    # the next checkout sees the ended connection, pings it, and connects anew: no error
    assert await _backend_pid(eng) != first
    assert pings == [1]


async def test_a_connection_on_a_high_file_descriptor_is_checked_out(
    engine: tuple[AsyncEngine, list[int]],
) -> None:
    """A busy process (hundreds of live streams and clients) holds more than 1,024 files: the check
    must still work for a socket numbered above that (select() cannot watch it: ValueError)."""
    eng, pings = engine
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"the open-file limit ({hard}) is below the 1,100 files this test holds")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        first = await _backend_pid(eng)  # the connection's socket is numbered above 1,100
        assert await _backend_pid(eng) == first
        assert pings == []
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
