"""The bare baseline for the autosave benchmark: a minimal ASGI app running the *same* save
(the `save_answer` function: session check, ownership, deadline, compare-and-swap, revision log,
time trace) with the same driver (psycopg 3, async pool, autocommit, one round trip).

No framework, no middleware, no validation beyond what the SQL needs: the floor any real
endpoint is measured against. `uvicorn bench.autosave_baseline:app`, DATABASE_URL from the
environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool

from app.interviews.autosave_db import SAVE_ANSWER_PG

PATH = re.compile(r"^/attempts/([0-9a-f-]{36})/items/([0-9a-f-]{36})/answer$")
COOKIE = re.compile(r"__Host-mlmock_session=([^;]+)")
_pool: AsyncConnectionPool | None = None


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = re.sub(r"^postgresql\+\w+://", "postgresql://", os.environ["DATABASE_URL"])
                _pool = AsyncConnectionPool(
                    url,
                    min_size=4,
                    max_size=10,
                    open=False,
                    kwargs={"autocommit": True, "row_factory": namedtuple_row},
                )
                await _pool.open()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    match = PATH.match(scope["path"])
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    cookie = COOKIE.search(dict(scope["headers"]).get(b"cookie", b"").decode("latin-1"))
    if match is None or scope["method"] != "POST" or cookie is None:
        await _respond(send, 404, {"error": "not found"})
        return
    data = json.loads(body)
    now = datetime.now(UTC)
    params = {
        "session_hash": hashlib.sha256(cookie.group(1).encode()).digest(),
        "token_hash": None,
        "idle_cutoff": now - timedelta(minutes=30),
        "absolute_cutoff": now - timedelta(hours=12),
        "slide_before": now - timedelta(seconds=30),
        "attempt_id": match.group(1),
        "item_id": match.group(2),
        "kind": "free_text",
        "now": now,
        "base": int(data["base_revision"]),
        "save_id": str(data["save_id"]),
        "value": json.dumps({"text": data["text"]}),
        "time_cap": 120,
    }
    assert _pool is not None
    async with _pool.connection() as conn:
        row = await (await conn.execute(SAVE_ANSWER_PG, params)).fetchone()
    if row.outcome in ("saved", "duplicate", "unchanged"):
        reply = {"status": "saved", "revision": row.revision, "save_id": params["save_id"]}
        await _respond(send, 200, {**reply, "saved_at": now.isoformat()})
    else:
        await _respond(send, 409, {"error": row.outcome, "revision": row.revision, "save_id": row.save_id})


async def _respond(send: Any, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
