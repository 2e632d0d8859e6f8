"""The bare baseline for the live benchmark: a minimal ASGI app (no framework, no middleware, no
authorization) doing the same two things as the app's live session, as cheaply as Python can.

- `POST /attempts/{attempt}/items/{item}/answer`: the app's own save statement (the compiled
  `save_answer` call of app/interviews/autosave_db.py: session, ownership, deadline,
  compare-and-swap, revision log) in one autocommit round trip on a psycopg pool. The
  announcement (`BASELINE_NOTIFY`):
  - `app` (when the attempts belong to open live sessions): the statement itself writes the
    `answer.saved` outbox row and notifies `mlmock_events`, exactly as for the app, so both do
    the same database work and differ only in what Python does around it;
  - `own` (plain attempts): the statement is wrapped in a `pg_notify` of the saved answer.
  Postgres sends the notification on commit, to every process.
- `GET /baseline/{attempt}/events`: a `text/event-stream` of that attempt's saved answers. Each
  process has one LISTEN connection; a notification is parsed once and written to the streams of
  its attempt (a dict from attempt id to the streams' queues), nothing else (no replay, no
  heartbeat, no authorization; a notification carrying only an id, for an event over 7,000
  bytes, is not fetched: the benchmark's answers are short).

`uvicorn bench.live_baseline:app`, DATABASE_URL from the environment. Run as two processes, a save
on one reaches a stream on the other through Postgres, as in the app.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, ClassVar

import psycopg
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool

from app.interviews.autosave_db import SAVE_ANSWER_SQL
from bench.autosave_baseline import COOKIE, read_body, respond, save_params

OWN = os.environ.get("BASELINE_NOTIFY", "own") == "own"
CHANNEL = "bench_live" if OWN else "mlmock_events"
SAVE = re.compile(r"^/attempts/([0-9a-f-]{36})/items/([0-9a-f-]{36})/answer$")
STREAM = re.compile(r"^/baseline/([0-9a-f-]{36})/events$")
# the save and its announcement in one statement: notified only when something was stored
SAVE_AND_NOTIFY = f"""
SELECT s.outcome, s.revision, s.save_id,
       CASE WHEN s.outcome = 'saved' THEN pg_notify('{CHANNEL}', json_build_object(
           'attempt_id', %(attempt_id)s::text, 'item_id', %(item_id)s::text, 'revision', s.revision,
           'save_id', s.save_id, 'value', CAST(%(value)s AS jsonb))::text) END
FROM ({SAVE_ANSWER_SQL}) AS s
"""
STATEMENT = SAVE_AND_NOTIFY if OWN else SAVE_ANSWER_SQL


class State:
    pool: ClassVar[AsyncConnectionPool | None] = None
    listener: ClassVar[asyncio.Task[None] | None] = None
    streams: ClassVar[defaultdict[str, set[asyncio.Queue[bytes]]]] = defaultdict(set)


async def _listen(url: str) -> None:
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                async for n in conn.notifies():
                    data = json.loads(n.payload)
                    queues = State.streams.get(data.get("attempt_id") or "")
                    if not queues:
                        continue
                    event_id = data.get("id", data.get("revision"))
                    frame = f"id: {event_id}\nevent: answer\ndata: {n.payload}\n\n".encode()
                    for q in queues:
                        q.put_nowait(frame)
        except asyncio.CancelledError:
            raise
        except Exception:  # reconnect, as the app's dispatcher does
            await asyncio.sleep(0.5)


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            url = re.sub(r"^postgresql\+\w+://", "postgresql://", os.environ["DATABASE_URL"])
            State.pool = AsyncConnectionPool(
                url,
                min_size=4,
                max_size=10,
                open=False,
                kwargs={"autocommit": True, "row_factory": namedtuple_row},
            )
            await State.pool.open()
            State.listener = asyncio.create_task(_listen(url))
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if State.listener is not None:
                State.listener.cancel()
            if State.pool is not None:
                await State.pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    path = scope["path"]
    if path == "/healthz":
        await respond(send, 200, {"status": "ok"})
    elif (m := STREAM.match(path)) is not None:
        await _stream(m.group(1), receive, send)
    elif (m := SAVE.match(path)) is not None and scope["method"] == "POST":
        await _save(scope, m.group(1), m.group(2), receive, send)
    else:
        await respond(send, 404, {"error": "not found"})


async def _stream(attempt_id: str, receive: Any, send: Any) -> None:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    State.streams[attempt_id].add(queue)
    headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")]
    try:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b": subscribed\n\n", "more_body": True})
        gone = asyncio.ensure_future(_disconnected(receive))
        while True:
            frame = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({frame, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone in done:
                frame.cancel()
                return
            await send({"type": "http.response.body", "body": frame.result(), "more_body": True})
    finally:
        State.streams[attempt_id].discard(queue)
        if not State.streams[attempt_id]:
            del State.streams[attempt_id]


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _save(scope: dict[str, Any], attempt: str, item: str, receive: Any, send: Any) -> None:
    body = await read_body(receive)
    cookie = COOKIE.search(dict(scope["headers"]).get(b"cookie", b"").decode("latin-1"))
    if cookie is None:
        await respond(send, 401, {"error": "signed out"})
        return
    params = save_params(cookie.group(1), attempt, item, json.loads(body), datetime.now(UTC))
    assert State.pool is not None
    async with State.pool.connection() as conn:
        row = await (await conn.execute(STATEMENT, params, prepare=True)).fetchone()
    assert row is not None
    outcome, revision, save_id = row.outcome, row.revision, row.save_id
    if outcome in ("saved", "duplicate", "unchanged"):
        await respond(send, 200, {"status": "saved", "revision": revision, "save_id": params["save_id"]})
    else:
        await respond(send, 409, {"error": outcome, "revision": revision, "save_id": save_id})
