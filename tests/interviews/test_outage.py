"""Issue 11, defect 4: an unavailable database fails fast and saving recovers.

Against an embedded Postgres of the test's own (never the machine's server): crashed
(immediate stop) and restarted, then `LOCK TABLE answer` held by another connection, then
every pooled connection taken. Saves and
pages answer 503 + Retry-After (never a 500, never a hang), /healthz stays 200 with a cookie,
/readyz says unavailable; after the restart an identical retry of the refused save is stored
once. Outcomes are asserted; how long each answer took is printed (bench/ measures it).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.embedded import EmbeddedPostgres
from app.interviews import formats
from app.migrate import upgrade
from tests.interviews.conftest import TOPIC, build_bank, format_doc, saving
from tests.live import LiveDb

pytestmark = [pytest.mark.slow]


async def _ready(c: Any) -> None:
    for _ in range(300):  # a bound for a broken app, not a timing assertion
        if (await c.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the app never became ready again")


async def _scenario(url: str, pg: EmbeddedPostgres) -> dict[str, float]:
    timings: dict[str, float] = {}
    live = LiveDb(url)
    async with live.maker() as s:
        await build_bank(s, prefix="outage")
        fmt = await formats.save_format(
            s, format_doc(slots=[{"topic": TOPIC, "count": 1, "kinds": ["free_text"]}]), admin=None
        )
        await s.commit()
    user, _ = await live.users.create()
    application = live.app()
    c = await live.client(application, user.email)
    try:
        a = (await c.post(f"/api/v1/formats/{fmt.id}/attempts")).json()
        save_url = f"/api/v1/attempts/{a['id']}/items/{a['items'][0]['id']}/answer"
        assert (await c.post(save_url, json={**saving(0), "text": "before"})).status_code == 200

        async def timed(name: str, call: Any) -> Any:
            started = time.monotonic()
            response = await call
            timings[name] = round(time.monotonic() - started, 2)
            return response

        # ---- Postgres crashes ----
        await asyncio.to_thread(pg.crash)
        during = {**saving(1), "text": "typed during the outage"}
        r = await timed("save_while_down", c.post(save_url, json=during))
        assert r.status_code == 503, r.text
        assert r.json()["reason"] == "unavailable" and int(r.headers["Retry-After"]) >= 1
        r = await timed("page_while_down", c.get(f"/attempts/{a['id']}"))
        assert r.status_code == 503 and r.headers["Retry-After"]
        r = await c.get(f"/api/v1/attempts/{a['id']}")
        assert r.status_code == 503 and r.json()["reason"] == "unavailable"
        assert (await c.get("/healthz")).status_code == 200  # with the session cookie
        assert (await c.get("/readyz")).status_code == 503
        await asyncio.to_thread(pg.restart)
        started = time.monotonic()
        await _ready(c)
        timings["ready_after_restart"] = round(time.monotonic() - started, 2)
        # the page resends the refused save identically: stored once
        r = await timed("save_after_ready", c.post(save_url, json=during))
        assert r.status_code == 200 and r.json()["revision"] == 2, r.text
        r = await c.post(save_url, json=during)
        assert r.status_code == 200 and r.json()["revision"] == 2

        # ---- the answer table is locked (an admin's LOCK TABLE, a long migration) ----
        lock = await psycopg.AsyncConnection.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        try:
            await lock.execute("LOCK TABLE answer IN ACCESS EXCLUSIVE MODE")
            locked = {**saving(2), "text": "typed while the table is locked"}
            r = await timed("save_while_locked", c.post(save_url, json=locked))
            assert r.status_code == 503 and r.headers["Retry-After"], r.text
            r = await timed("page_while_locked", c.get(f"/attempts/{a['id']}"))
            assert r.status_code == 503
        finally:
            await lock.rollback()
            await lock.close()
        r = await timed("save_after_unlock", c.post(save_url, json=locked))
        assert r.status_code == 200 and r.json()["revision"] == 3, r.text

        # ---- every connection is taken (saturated): a bounded wait, then 503, not a queue ----
        pool = application.state.resources.autosave.connections
        held = [await pool.getconn() for _ in range(pool.max_size)]
        engine_conns = [await application.state.resources.engine.connect() for _ in range(10)]
        try:
            busy = {**saving(3), "text": "typed while saturated"}
            r = await timed("save_while_saturated", c.post(save_url, json=busy))
            assert r.status_code == 503 and r.headers["Retry-After"], r.text
            r = await timed("page_while_saturated", c.get(f"/attempts/{a['id']}"))
            assert r.status_code == 503
        finally:
            for conn in held:
                await pool.putconn(conn)
            for engine_conn in engine_conns:
                await engine_conn.close()
        r = await c.post(save_url, json=busy)
        assert r.status_code == 200 and r.json()["revision"] == 4, r.text
    finally:
        await c.aclose()
        await application.state.resources.engine.dispose()
        await live.close()
    return timings


def test_an_unavailable_database_fails_fast_and_saving_recovers() -> None:
    pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="mlmock-outage-")))
    pg.start()
    try:
        url = pg.create_database("outage")
        upgrade(url)
        timings = asyncio.run(_scenario(url, pg))
    finally:
        pg.stop()
    print(f"\noutage test timings (s): {timings}")
