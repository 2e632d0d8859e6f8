"""The parsing process pool (app/imports/offload.py) never outlives the server that started it.

A worker left behind keeps running after a crash (kill -9, os._exit, an OOM kill) and keeps the
server's inherited stdout/stderr open, so whoever waits for that output (CI, a benchmark) hangs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest

from app.config import ROOT
from app.imports.offload import PROCESS_MIN_BYTES
from tests.factories import PASSWORD, UserFactory
from tests.fixtures import Client
from tests.imports.helpers import generated_gift
from tests.live import LiveDb, free_port

pytestmark = pytest.mark.slow  # real server processes


def _serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MLMOCK_ENV": "test",
        "MLMOCK_COOKIE_SECURE": "false",
        "MLMOCK_ARGON2_MEMORY_KIB": "1024",
        "MLMOCK_ARGON2_TIME_COST": "1",
        "MLMOCK_LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
    # DEVNULL: a worker that inherited a pipe would make this test hang instead of fail
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "uvicorn exited"
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("uvicorn never became ready")


def _workers(server_pid: int) -> list[psutil.Process]:
    """The server's pool workers: spawned interpreters running multiprocessing's spawn_main."""
    return [
        p
        for p in psutil.Process(server_pid).children(recursive=True)
        if any("spawn_main" in part for part in p.cmdline())
    ]


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def admin_email(make_database) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_pool_workers")

    async def admin() -> str:
        db = LiveDb(url)
        try:
            user, _ = await UserFactory(db.maker).create(roles=["candidate", "mentor", "admin"])
            return user.email
        finally:
            await db.close()

    yield url, asyncio.run(admin())


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
def test_pool_workers_exit_with_their_server(admin_email: tuple[str, str], how: signal.Signals) -> None:
    url, email = admin_email
    data = generated_gift(3_000)
    assert len(data) >= PROCESS_MIN_BYTES  # big enough for the process pool
    proc, base = _serve(url)
    workers: list[psutil.Process] = []
    try:

        async def dry_run() -> int:
            async with Client(base_url=base, follow_redirects=False, timeout=300) as admin:
                await admin.login(email, PASSWORD)
                r = await admin.post("/api/v1/imports?format=gift&dry_run=true", content=data)
                return r.status_code

        assert asyncio.run(dry_run()) == 200
        workers = _workers(proc.pid)
        assert workers, "the import did not start the process pool"
        proc.send_signal(how)
        proc.wait(timeout=60)
        # polled, not timed: the generous bound only keeps a broken build from hanging the run
        deadline = time.monotonic() + 60
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [w.pid for w in workers if _alive(w)]
        assert not left, f"pool workers {left} outlived their server"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:  # never leave orphans behind, whatever the outcome
            if _alive(w):
                w.kill()


def test_a_server_has_its_parsing_worker_before_the_first_import(make_database) -> None:  # type: ignore[no-untyped-def]
    """The lifespan starts the pool with a worker: the first import does not wait for a new
    interpreter (seconds on a loaded machine, inside the import), and the stop ends it."""
    proc, _ = _serve(make_database("mlmock_pool_at_start"))
    workers: list[psutil.Process] = []
    try:
        workers = _workers(proc.pid)  # right after /readyz, no import yet
        assert workers and all(_alive(w) for w in workers), "no parsing worker before the first import"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 60  # polled; the bound only keeps a broken build from hanging
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w.pid for w in workers if _alive(w)], "the parsing worker outlived its server"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:
            if _alive(w):
                w.kill()
