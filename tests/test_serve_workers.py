"""`mlmock serve --workers N`: refuses a connection budget the server cannot hold (it reads
max_connections at start-up); N uvicorn workers serve one app, /metrics adds up all of them, and
behind a trusted proxy the client address comes from X-Forwarded-For."""

from __future__ import annotations

import ctypes
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.budget import read_server_limits
from app.config import ROOT
from tests.live import free_port

pytestmark = pytest.mark.slow


def _env(url: str, port: int, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MLMOCK_DB_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(DATABASE_URL=url, MLMOCK_ENV="test", MLMOCK_PORT=str(port), **extra)
    return env


@contextmanager
def _serving_two_workers(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`mlmock serve --workers 2` with its output in `log`; terminated on the way out."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def test_serve_refuses_a_budget_that_cannot_fit(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_budget")
    max_connections, _ = read_server_limits(url)
    port = free_port()
    # two workers whose pools alone could take every connection the server has
    env = _env(url, port, MLMOCK_DB_POOL_SIZE=str(max_connections), MLMOCK_DB_MAX_OVERFLOW="0")
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--workers", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0
    assert "connection budget does not fit" in r.stderr and f"max_connections {max_connections}" in r.stderr
    assert "MLMOCK_DB_POOL_SIZE" in r.stderr
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)  # it never started serving

    # the same through MLMOCK_DB_REPLICAS: each replica counts
    replicas = str(max_connections // 30 + 1)
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=ROOT,
        env=_env(url, port, MLMOCK_DB_REPLICAS=replicas),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and "connection budget does not fit" in r.stderr


def test_two_workers_serve_and_metrics_add_up(make_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_workers")
    port = free_port()
    env = _env(
        url,
        port,
        MLMOCK_DB_POOL_SIZE="2",
        MLMOCK_DB_MAX_OVERFLOW="1",
        MLMOCK_AUTOSAVE_POOL_SIZE="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        MLMOCK_FORWARDED_ALLOW_IPS="127.0.0.1",  # as behind a proxy on this host
    )
    # a previous run's samples must not count again; other files there are left alone
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_99999.db").write_bytes(b"stale samples of an earlier run")
    (tmp_path / "metrics" / "keep.txt").write_text("not ours")
    log = tmp_path / "serve.log"
    with _serving_two_workers(env, log) as proc:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # ends a hung start; asserts no speed
        ready = False
        while time.monotonic() < deadline and proc.poll() is None and not ready:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.3)
        assert ready, log.read_text()
        # 2 + 1 + 2 pooled, + 1 LISTEN connection (app/events)
        assert "connection budget: 2 process(es) × 6 connections" in log.read_text()
        # the supervisor's own children (each worker starts an import parsing process of its own)
        workers = [p for p in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) == 2, [p.cmdline() for p in workers]

        with httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as c:
            for _ in range(20):  # a new connection each: the kernel spreads them over both workers
                assert c.get("/healthz").status_code == 200
            text = c.get("/metrics").text
            # behind the trusted proxy the client address is X-Forwarded-For's: a remote
            # caller is refused /metrics even though the TCP peer is loopback
            remote = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            assert remote.status_code == 403
        counts = [
            s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "mlmock_http_request_duration_seconds_count" and s.labels.get("route") == "/healthz"
        ]
        assert sum(counts) == 20  # whichever worker answered the scrape, it counts both
        checkouts = {
            s.labels["pool"]: s.value
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "mlmock_db_pool_checkouts_total"
        }
        assert checkouts.get("sqlalchemy", 0) >= 1  # /readyz took connections from both pools
        assert "mlmock_db_pool_wait_seconds_total" in text
        assert not (tmp_path / "metrics" / "counter_99999.db").exists()
        assert (tmp_path / "metrics" / "keep.txt").exists()


def _libc_pidfd_getfd(pid: int, fd: int) -> socket.socket:
    """A copy of another process's socket (pidfd_getfd, Linux ≥ 5.6) to read its options."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        copy = libc.syscall(438, pidfd, fd, 0)  # SYS_pidfd_getfd
        if copy < 0:
            pytest.skip(f"pidfd_getfd refused: errno {ctypes.get_errno()}")
        return socket.socket(fileno=copy)
    finally:
        os.close(pidfd)


def _accepted_sockets(pid: int, port: int) -> list[socket.socket]:
    """Copies of the connections a process accepted on `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(f"socket:[{fields[9]}]")
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                found.append(_libc_pidfd_getfd(pid, int(fd)))
        except FileNotFoundError:
            continue
    return found


def test_two_workers_answer_without_nagle_delays(make_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """uvicorn's supervisor binds the socket its workers share with protocol 0, and asyncio turns
    Nagle's algorithm off (TCP_NODELAY) only on connections accepted from an IPPROTO_TCP socket:
    every answer of `serve --workers N` written in two pieces (head, then body) waited for the
    client's delayed ACK, ~40 ms on Linux loopback (/healthz p50 44 ms with 2 workers, 1.5 ms
    with 1). Every connection a worker accepts has TCP_NODELAY."""
    if not hasattr(os, "pidfd_open") or not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc and pidfd")
    url = make_database("mlmock_nodelay")
    port = free_port()
    env = _env(url, port, MLMOCK_DB_POOL_SIZE="2", MLMOCK_DB_MAX_OVERFLOW="1", MLMOCK_AUTOSAVE_POOL_SIZE="2")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    log = tmp_path / "serve.log"
    with _serving_two_workers(env, log) as proc:
        base = f"http://127.0.0.1:{port}"
        clients = []
        try:
            deadline = time.monotonic() + 120  # ends a hung start; asserts no speed
            workers: list[psutil.Process] = []
            seen: set[int] = set()
            while time.monotonic() < deadline and proc.poll() is None:
                workers = [
                    p for p in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(p.cmdline())
                ]
                try:
                    c = httpx.Client(base_url=base, timeout=5)  # a connection of its own, kept open
                    clients.append(c)
                    assert c.get("/healthz").status_code == 200
                except httpx.HTTPError:
                    time.sleep(0.3)
                    continue
                seen = {w.pid for w in workers if _accepted_sockets(w.pid, port)}
                if len(workers) == 2 and len(seen) == 2:
                    break
            assert len(seen) == 2, log.read_text()
            for w in workers:
                for sock in _accepted_sockets(w.pid, port):
                    with sock:
                        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            for c in clients:
                c.close()
