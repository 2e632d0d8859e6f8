"""Fault test: no acknowledged save is lost when the app is SIGKILLed or Postgres crashes.

A real uvicorn process serves the app against its own embedded Postgres (so the test can
crash it). Concurrent savers post ever-newer answers the way the page does (each based on the
revision the last 200 named, a failed request resent identically); mid-run the app is killed
with SIGKILL and restarted, then Postgres is stopped in immediate mode (no checkpoint: crash
recovery from the WAL) and restarted. Afterwards every save that got a 200 must be in the
database, and saves must succeed again after each restart once /readyz says ready.

No durations are asserted (a loaded CI machine would miss them): the recovery times are
printed, and measured for real in bench/.
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
AFTER_RECOVERY_SECONDS = 3.0  # keep saving this long after the last restart is ready


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
        # The savers post as fast as the machine allows, on purpose: past the autosave flood guard.
        env["MLMOCK_RATE_LIMITS_ENABLED"] = "false"
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
) -> tuple[dict[str, tuple[int, str]], int, list[float], list[str]]:
    """One saver per item posts ever-newer answers while `schedule` injects the faults.

    Returns the last acknowledged (revision, text) per item, the number of 200s, when they came,
    and any reply the protocol forbids here (a lone writer's save refused as stale).
    """
    acked: dict[str, tuple[int, str]] = {}
    successes: list[float] = []
    unexpected: list[str] = []
    headers = {"X-CSRFToken": csrf_for("s", raw), "Cookie": f"__Host-mlmock_session={raw}"}
    start = time.monotonic()
    done = asyncio.Event()

    async def saver(item: str, client: httpx.AsyncClient) -> None:
        stored_revision, n = 0, 0
        pending: dict[str, object] | None = None
        while not done.is_set():
            if pending is None:
                n += 1
                pending = {"base_revision": stored_revision, "save_id": f"{n}", "text": f"{item} save {n}"}
            try:
                r = await client.post(
                    f"{base}/api/v1/attempts/{attempt_id}/items/{item}/answer",
                    json=pending,
                    headers=headers,
                    timeout=3,
                )
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
                continue  # the reply is lost: resend the identical request
            if r.status_code == 200:
                stored_revision = r.json()["revision"]
                acked[item] = (stored_revision, str(pending["text"]))
                successes.append(time.monotonic() - start)
                pending = None
            else:
                if r.status_code not in (500, 502, 503):
                    unexpected.append(f"{r.status_code} {r.text[:200]}")
                await asyncio.sleep(0.05)

    async def faults() -> None:
        await schedule(start)
        await asyncio.sleep(AFTER_RECOVERY_SECONDS)
        done.set()

    async with httpx.AsyncClient() as client:
        await asyncio.gather(*(saver(item, client) for item in items[:SAVERS]), faults())
    return acked, len(successes), successes, unexpected


def test_no_acknowledged_save_is_lost(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="mlmock-fault-")))
    pg.start()
    url = pg.create_database("fault")
    app = App(url, free_port(), tmp_path / "app.log")
    base = f"http://127.0.0.1:{app.port}"
    events: dict[str, float] = {}

    async def schedule(start: float) -> None:
        await asyncio.sleep(3)
        app.kill()
        events["app_killed"] = time.monotonic() - start
        await asyncio.to_thread(app.start)
        events["app_restarted"] = time.monotonic() - start
        await asyncio.to_thread(_wait_ready, base)
        events["app_ready"] = time.monotonic() - start
        await asyncio.sleep(3)
        await asyncio.to_thread(pg.crash)
        events["pg_crashed"] = time.monotonic() - start
        await asyncio.sleep(0.5)
        await asyncio.to_thread(pg.restart)
        events["pg_restarted"] = time.monotonic() - start
        await asyncio.to_thread(_wait_ready, base)
        events["pg_ready"] = time.monotonic() - start

    try:
        upgrade(url)
        raw, attempt_id, items = asyncio.run(_prepare(url))
        app.start()
        _wait_ready(base)
        acked, count, successes, unexpected = asyncio.run(_run_savers(base, raw, attempt_id, items, schedule))
    finally:
        app.stop()
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            rows = conn.execute("SELECT item_id, revision, value FROM answer").fetchall()
            logged = conn.execute("SELECT item_id, revision, value FROM answer_revision").fetchall()
    finally:
        pg.stop()
    stored = {str(item): (rev, value) for item, rev, value in rows}
    log = {(str(item), rev): value for item, rev, value in logged}

    lost = [
        (item, rev, stored.get(item))
        for item, (rev, typed) in acked.items()
        if item not in stored or stored[item][0] < rev or log.get((item, rev)) != {"text": typed}
    ]
    recovery = {
        event: round(next((t for t in successes if t > events[event]), float("nan")) - events[event], 2)
        for event in ("app_ready", "pg_ready")
    }
    print(
        f"\nfault test: {count} acknowledged saves, {len(lost)} lost; events {events}; first save after {recovery}"
    )
    assert count > 50, "too few saves went through to make the test meaningful"
    assert lost == []
    assert unexpected == []
    for item, (rev, typed) in acked.items():
        if stored[item][0] == rev:
            assert stored[item][1] == {"text": typed}
    # saving works again after each restart (once the app says it is ready); how fast is for bench/
    for event in ("app_ready", "pg_ready"):
        assert any(t > events[event] for t in successes), f"no successful save after {event}"


def _wait_ready(base: str) -> None:
    for _ in range(600):  # (a bound for a broken app, not a timing assertion)
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the app did not become ready")
