"""Fault test: no acknowledged save is lost when the app is SIGKILLed or Postgres crashes.

A real uvicorn process serves the app against its own embedded Postgres (so the test can
crash it). Concurrent savers post ever-newer revisions; mid-run the app is killed with
SIGKILL and restarted, then Postgres is stopped in immediate mode (no checkpoint: crash
recovery from the WAL) and restarted. Afterwards every save that got a 200 must be in the
database, and saves must succeed again within 5 s of each restart.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import psycopg
import pytest

from app.auth.tokens import csrf_for
from app.config import ROOT
from app.embedded import EmbeddedPostgres
from app.migrate import upgrade
from tests.live import free_port

pytestmark = [pytest.mark.slow]
SAVERS = 6
RUN_SECONDS = 12.0


async def _prepare(url: str) -> tuple[str, str, list[str]]:
    """Seed the bank, create a candidate with a session and start a 45-minute attempt."""
    from sqlalchemy import select

    import app.models  # noqa: F401
    from app.auth import service as auth
    from app.db import make_engine, make_sessionmaker
    from app.interviews import service as interviews
    from app.interviews.models import AttemptItem, InterviewFormat
    from app.seeding import seed_database

    await seed_database(url)
    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as session, session.begin():
        user = await auth.create_user(
            session, email="fault@example.org", display_name="F", password="fault test passphrase"
        )
        raw = await auth.start_session(session, user, ip=None, user_agent="fault", replaces=None)
        fmt = (
            await session.execute(
                select(InterviewFormat).where(InterviewFormat.slug == "written-explanations")
            )
        ).scalar_one()
        attempt = await interviews.start_attempt(session, user, fmt.id)
        items = (
            await session.execute(
                select(AttemptItem.id, AttemptItem.kind).where(AttemptItem.attempt_id == attempt.id)
            )
        ).all()
        attempt_id = str(attempt.id)
    await engine.dispose()
    free_text = [str(i) for i, kind in items if kind == "free_text"]
    assert len(free_text) == 6, "the written-explanations format draws six free-text items"
    return raw, attempt_id, free_text


class App:
    def __init__(self, url: str, port: int, log: Path) -> None:
        self.url, self.port, self.log = url, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.url, "MLMOCK_ENV": "test", "MLMOCK_LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.asgi:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=env,
            cwd=ROOT,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


async def _run_savers(
    base: str, raw: str, attempt_id: str, items: list[str], schedule: Callable[[float], Awaitable[None]]
) -> tuple[dict[str, int], int, list[float]]:
    """One saver per item posts ever-newer revisions while `schedule` injects the faults.

    Returns the highest acknowledged revision per item, the number of 200s, and when they came.
    """
    acked: dict[str, int] = {}
    successes: list[float] = []
    headers = {"X-CSRFToken": csrf_for("s", raw), "Cookie": f"__Host-mlmock_session={raw}"}
    start = time.monotonic()

    async def saver(item: str, client: httpx.AsyncClient) -> None:
        revision = 0
        while time.monotonic() - start < RUN_SECONDS:
            revision += 1
            try:
                r = await client.post(
                    f"{base}/api/v1/attempts/{attempt_id}/items/{item}/answer",
                    json={"revision": revision, "text": f"{item} revision {revision}"},
                    headers=headers,
                    timeout=3,
                )
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
                continue
            if r.status_code == 200:
                acked[item] = max(acked.get(item, 0), revision)
                successes.append(time.monotonic() - start)
            else:
                await asyncio.sleep(0.05)

    async with httpx.AsyncClient() as client:
        await asyncio.gather(*(saver(item, client) for item in items[:SAVERS]), schedule(start))
    return acked, len(successes), successes


def test_no_acknowledged_save_is_lost(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="mlmock-fault-")))
    pg.start()
    url = pg.create_database("fault")
    app = App(url, free_port(), tmp_path / "app.log")
    events: dict[str, float] = {}

    async def schedule(start: float) -> None:
        await asyncio.sleep(3)
        app.kill()
        events["app_killed"] = time.monotonic() - start
        await asyncio.to_thread(app.start)
        events["app_restarted"] = time.monotonic() - start
        await asyncio.sleep(3)
        await asyncio.to_thread(pg.crash)
        events["pg_crashed"] = time.monotonic() - start
        await asyncio.sleep(0.5)
        await asyncio.to_thread(pg.restart)
        events["pg_restarted"] = time.monotonic() - start

    try:
        upgrade(url)
        raw, attempt_id, items = asyncio.run(_prepare(url))
        app.start()
        base = f"http://127.0.0.1:{app.port}"
        _wait_ready(base)
        acked, count, successes = asyncio.run(_run_savers(base, raw, attempt_id, items, schedule))
    finally:
        app.stop()
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            rows = conn.execute("SELECT item_id, revision, value FROM answer").fetchall()
    finally:
        pg.stop()
    stored = {str(item): (rev, value) for item, rev, value in rows}

    lost = [
        (item, rev, stored.get(item))
        for item, rev in acked.items()
        if item not in stored or stored[item][0] < rev
    ]
    print(f"\nfault test: {count} acknowledged saves, {len(lost)} lost; events {events}")
    assert count > 50, "too few saves went through to make the test meaningful"
    assert lost == []
    for item, rev in acked.items():
        if stored[item][0] == rev:
            assert stored[item][1] == {"text": f"{item} revision {rev}"}
    for event in ("app_restarted", "pg_restarted"):
        after = [t for t in successes if t > events[event]]
        assert after and after[0] - events[event] < 5.0, f"no successful save within 5 s of {event}"


def _wait_ready(base: str) -> None:
    for _ in range(150):
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the app did not become ready")
