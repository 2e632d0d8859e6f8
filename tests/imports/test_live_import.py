"""Imports against a real uvicorn process: the event loop stays free, parallel imports never duplicate."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from app.config import ROOT
from tests.e2e.conftest import uvicorn_server
from tests.factories import PASSWORD, UserFactory
from tests.fixtures import Client
from tests.imports.helpers import generated_gift
from tests.live import LiveDb

pytestmark = pytest.mark.slow  # live imports against a server


def _plain(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(_plain(url)) as conn:
        return list(conn.execute(sql).fetchall())


@pytest.fixture(scope="module")
def live(make_database) -> Iterator[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(database URL, server base URL, admin e-mail) for one uvicorn serving a fresh database."""
    url = make_database("mlmock_live_import")

    async def admin() -> str:
        db = LiveDb(url)
        try:
            user, _ = await UserFactory(db.maker).create(roles=["candidate", "mentor", "admin"])
            return user.email
        finally:
            await db.close()

    email = asyncio.run(admin())
    with uvicorn_server(url, "import-live-server.log") as base:
        yield url, base, email


async def _admin(base: str, email: str) -> Client:
    c = Client(base_url=base, follow_redirects=False, timeout=300)
    await c.login(email, PASSWORD)
    return c


@pytest.mark.anyio
async def test_healthz_keeps_answering_during_a_large_import(live: tuple[str, str, str]) -> None:
    _url, base, email = live
    data = generated_gift(4_000)
    admin = await _admin(base, email)
    done = asyncio.Event()
    # Events in order: "tick" from this process's own (never blocked) loop every 50 ms, "ok"
    # for each /healthz answer. A server whose loop is busy parsing leaves long runs of ticks
    # without an answer; one that parses in a thread answers between every few ticks.
    events: list[str] = []

    async def ticker() -> None:
        while not done.is_set():
            await asyncio.sleep(0.05)
            events.append("tick")

    async def poll() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as probe:
            while not done.is_set():
                r = await probe.get("/healthz")
                assert r.status_code == 200
                events.append("ok")
                await asyncio.sleep(0.01)

    async def run_import() -> httpx.Response:
        try:
            return await admin.post("/api/v1/imports?format=gift", content=data)
        finally:
            done.set()

    tasks = [asyncio.create_task(ticker()), asyncio.create_task(poll())]
    await asyncio.sleep(0.1)
    response = await run_import()
    await asyncio.gather(*tasks)
    await admin.aclose()
    assert response.status_code == 200, response.text[:500]
    assert response.json()["counts"]["create"] == 4_000
    runs = "".join("t" if e == "tick" else "o" for e in events).split("o")
    longest = max(len(r) for r in runs)
    answers = events.count("ok")
    # Counted, not timed: the longest run of ticks without a /healthz answer stays short, and
    # /healthz answered many times while the import ran. (Parsing on the loop: 80+ ticks.)
    assert answers >= 20 and longest <= 30, (answers, longest, len(events))


def _cli_import(url: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url, "MLMOCK_ENV": "test", "MLMOCK_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "import", str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.anyio
async def test_parallel_api_and_cli_imports_create_each_question_once(
    live: tuple[str, str, str], tmp_path: Path
) -> None:
    url, base, email = live
    # new topics (a creation race) and questions without external ids (content-hash duplicates)
    data = b"\n".join(
        f"$CATEGORY: $course$/top/Parallel area/Parallel topic {i % 3}\n\n"
        f"::Parallel {i}::How much is {i} + {i}?{{#{2 * i}}}\n".encode()
        for i in range(300)
    )
    path = tmp_path / "parallel.gift"
    path.write_bytes(data)
    admins = [await _admin(base, email) for _ in range(3)]
    procs = [_cli_import(url, path) for _ in range(2)]
    responses = await asyncio.gather(*(a.post("/api/v1/imports?format=gift", content=data) for a in admins))
    outputs = [p.communicate(timeout=300) for p in procs]
    for a in admins:
        await a.aclose()
    for r in responses:
        assert r.status_code == 200, r.text[:500]
        assert r.json()["imported"]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err and "imported:" in out
    created = sum(r.json()["counts"]["create"] for r in responses)
    created += sum(int(re.search(r"imported: (\d+) created", out).group(1)) for out, _ in outputs)  # type: ignore[union-attr]
    assert created == 300
    rows = _query(
        url,
        "SELECT v.title, count(*) FROM question q JOIN question_version v ON v.id = q.current_version_id "
        "WHERE v.title LIKE 'Parallel %' GROUP BY v.title",
    )
    assert len(rows) == 300 and {n for _, n in rows} == {1}
    topics = _query(url, "SELECT count(*) FROM topic WHERE name LIKE 'Parallel %'")
    assert topics == [(4,)]  # one area, three topics
