"""The bare baselines for the autosave benchmark: a minimal ASGI app running the *same* save
(the `save_answer` statement, compiled from the same SQLAlchemy statement as the app's: session
check, ownership, deadline, compare-and-swap, revision log, time trace) in one round trip.

Two drivers, chosen by `BASELINE_DRIVER` (the benchmark starts one server per driver):

- `psycopg` (default): psycopg 3 async pool, autocommit, prepared statement: the app's driver;
- `asyncpg`: an asyncpg pool and its prepared statement (binary protocol): the fastest Python
  driver, so "the fastest bare baseline" (issue 17 goal 1).

No framework, no middleware, no validation beyond what the SQL needs: the floor any real
endpoint is measured against. `uvicorn bench.autosave_baseline:app`, DATABASE_URL from the
environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.interviews.autosave_db import SAVE_ANSWER_SQL
from app.interviews.repository import SAVE_ANSWER, SAVE_PARAMS

PATH = re.compile(r"^/attempts/([0-9a-f-]{36})/items/([0-9a-f-]{36})/answer$")
COOKIE = re.compile(r"__Host-mlmock_session=([^;]+)")
Run = Callable[[dict[str, Any]], Awaitable[Any]]
_run: Run | None = None
_close: Callable[[], Awaitable[None]] | None = None


async def _psycopg(url: str) -> tuple[Run, Callable[[], Awaitable[None]]]:
    from psycopg.rows import namedtuple_row
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        url, min_size=4, max_size=10, open=False, kwargs={"autocommit": True, "row_factory": namedtuple_row}
    )
    await pool.open()

    async def run(params: dict[str, Any]) -> Any:
        async with pool.connection() as conn:
            return await (await conn.execute(SAVE_ANSWER_SQL, params, prepare=True)).fetchone()

    return run, pool.close


async def _asyncpg(url: str) -> tuple[Run, Callable[[], Awaitable[None]]]:
    import asyncpg
    from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect

    compiled = SAVE_ANSWER.compile(dialect=asyncpg_dialect.dialect())  # $1 … $14, same statement
    order = [str(name) for name in compiled.positiontup or SAVE_PARAMS]
    pool = await asyncpg.create_pool(url, min_size=4, max_size=10)

    async def run(params: dict[str, Any]) -> Any:
        async with pool.acquire() as conn:  # asyncpg prepares and caches the statement per connection
            return await conn.fetchrow(compiled.string, *(params[name] for name in order))

    return run, pool.close


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _run, _close
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = re.sub(r"^postgresql\+\w+://", "postgresql://", os.environ["DATABASE_URL"])
                opener = _asyncpg if os.environ.get("BASELINE_DRIVER") == "asyncpg" else _psycopg
                _run, _close = await opener(url)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _close is not None:
                    await _close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/healthz":
        await respond(send, 200, {"status": "ok"})
        return
    match = PATH.match(scope["path"])
    body = await read_body(receive)
    cookie = COOKIE.search(dict(scope["headers"]).get(b"cookie", b"").decode("latin-1"))
    if match is None or scope["method"] != "POST" or cookie is None:
        await respond(send, 404, {"error": "not found"})
        return
    now = datetime.now(UTC)
    params = save_params(cookie.group(1), match.group(1), match.group(2), json.loads(body), now)
    assert _run is not None
    row = await _run(params)
    outcome, revision, save_id = _fields(row)
    if outcome in ("saved", "duplicate", "unchanged"):
        reply = {"status": "saved", "revision": revision, "save_id": params["save_id"]}
        await respond(send, 200, {**reply, "saved_at": now.isoformat()})
    else:
        await respond(send, 409, {"error": outcome, "revision": revision, "save_id": save_id})


async def read_body(receive: Any) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def save_params(
    cookie: str, attempt_id: str, item_id: str, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The save statement's parameters for a free-text save by the holder of session `cookie`."""
    return {
        "session_hash": hashlib.sha256(cookie.encode()).digest(),
        "token_hash": None,
        "idle_cutoff": now - timedelta(minutes=30),
        "absolute_cutoff": now - timedelta(hours=12),
        "slide_before": now - timedelta(seconds=30),
        "touch_before": now - timedelta(minutes=1),
        "attempt_id": uuid.UUID(attempt_id),
        "item_id": uuid.UUID(item_id),
        "kind": "free_text",
        "now": now,
        "base": int(data["base_revision"]),
        "save_id": str(data["save_id"]),
        "value": json.dumps({"text": data["text"]}),
        "time_cap": 120.0,
    }


def _fields(row: Any) -> tuple[str, int | None, str | None]:
    """(outcome, revision, save_id) of a psycopg named tuple or an asyncpg Record."""
    if hasattr(row, "outcome"):
        return row.outcome, row.revision, row.save_id
    return row["outcome"], row["revision"], row["save_id"]


async def respond(send: Any, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
