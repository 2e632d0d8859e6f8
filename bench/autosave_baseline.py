"""The bare baseline for the autosave benchmark: a minimal ASGI app doing the same guarded
upsert into the same `answer` table with the same driver (psycopg 3, async pool).

No framework, no session check, no ownership or deadline check: the floor any real endpoint
is measured against. `uvicorn bench.autosave_baseline:app`, DATABASE_URL from the environment.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

UPSERT = """
INSERT INTO answer (item_id, revision, value, saved_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (item_id) DO UPDATE SET revision = EXCLUDED.revision, value = EXCLUDED.value, saved_at = EXCLUDED.saved_at
WHERE answer.revision < EXCLUDED.revision
RETURNING revision
"""
PATH = re.compile(r"^/attempts/([0-9a-f-]{36})/items/([0-9a-f-]{36})/answer$")
_pool: AsyncConnectionPool | None = None


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = re.sub(r"^postgresql\+\w+://", "postgresql://", os.environ["DATABASE_URL"])
                _pool = AsyncConnectionPool(url, min_size=4, max_size=10, open=False)
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
    if match is None or scope["method"] != "POST":
        await _respond(send, 404, {"error": "not found"})
        return
    data = json.loads(body)
    now = datetime.now(UTC)
    assert _pool is not None
    async with _pool.connection() as conn:
        row = await (
            await conn.execute(
                UPSERT, (match.group(2), int(data["revision"]), Jsonb({"text": data["text"]}), now)
            )
        ).fetchone()
    if row is None:
        await _respond(send, 409, {"error": "stale revision"})
    else:
        await _respond(send, 200, {"status": "saved", "revision": row[0], "saved_at": now.isoformat()})


async def _respond(send: Any, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
