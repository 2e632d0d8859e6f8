"""Question-list benchmark: the admin list over 10,000 questions against a bare baseline.

Seeds a fresh database (the machine's Postgres from BENCH_DATABASE_URL / DATABASE_URL, else
the embedded server), starts the app and the baseline with uvicorn on 127.0.0.1, loads each
with the same generator, the targets taking turns (`--rounds`), and prints p50/p99, req/s and
the ratio. Bounded in time:
every phase has a fixed duration and every wait a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import text

from app.config import ROOT
from bench import BENCH_LIMITS
from bench.loadgen import Result, run_load

PASSWORD = "benchmark admin passphrase 2026"
RESULTS = ROOT / "bench" / "results"  # a throwaway account in a throwaway database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _libpq(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new database on the machine's Postgres (or an embedded server), dropped afterwards."""
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    name = f"mlmock_bench_{uuid.uuid4().hex[:8]}"
    if not server:
        from app.embedded import EmbeddedPostgres

        pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="mlmock-bench-pg-")))
        pg.start()
        try:
            yield pg.create_database(name)
        finally:
            pg.stop()
        return
    with psycopg.connect(_libpq(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = server.partition("?")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed(url: str, count: int) -> str:
    """Migrated schema, `count` synthetic questions, one admin. Returns the admin's email."""
    from app.auth import service
    from app.db import make_engine, make_sessionmaker
    from app.questions.bulk import bulk_synthetic

    engine = make_engine(url, pool_size=1)
    email = "bench-admin@example.org"
    try:
        async with make_sessionmaker(engine)() as s:
            await bulk_synthetic(s, count)
            await service.create_user(
                s, email=email, display_name="Bench Admin", password=PASSWORD, roles=["candidate", "admin"]
            )
            await s.commit()
            await s.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return email


@contextmanager
def serve(
    target: str, env: dict[str, str], log: Path, *, with_pid: bool = False, profile: Path | None = None
) -> Iterator[Any]:
    """uvicorn (one worker) on 127.0.0.1 with a free port; stopped on exit. Yields the port
    (`with_pid`: the port and the server's process id). `profile`: run it under cProfile with a CPU
    clock (bench/profiled.py), the statistics written to that file when it stops."""
    port = _free_port()
    server = ["-m", "bench.profiled", str(profile)] if profile else ["-m", "uvicorn"]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                *server,
                target,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + (120 if profile else 60)  # a loaded machine starts slowly
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{target} did not start: see {log}") from None
                    time.sleep(0.1)
            yield (port, proc.pid) if with_pid else port
        finally:
            # uvicorn re-raises SIGTERM after its shutdown (the process ends without writing a
            # profile); SIGINT ends in a KeyboardInterrupt, after which cProfile writes its file
            if profile:
                proc.send_signal(signal.SIGINT)
            else:
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sign_in(port: int, email: str) -> str:
    """The session cookie header value for the admin, obtained through the login form."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf-token" content="([^"]*)"', page.text)
        assert token, "no CSRF token on /login"
        r = c.post(
            "/login", data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": token.group(1)}
        )
        assert r.status_code == 303, r.text[:300]
        return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


def request_for(path: str, headers: dict[str, str], per_page: int, pages: int):  # type: ignore[no-untyped-def]
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    cache = [
        f"GET {path}?page={1 + i % pages}&per_page={per_page} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()
        for i in range(pages)
    ]
    return lambda i: cache[i % pages]


def rows_ok(per_page: int):  # type: ignore[no-untyped-def]
    def check(status: int, body: bytes) -> bool:
        return status == 200 and body.count(b"<tr>") == per_page + 1

    return check


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench questions", description=__doc__)
    ap.add_argument("--count", type=int, default=10_000, help="synthetic questions (default 10000)")
    ap.add_argument("--seconds", type=float, default=6.0, help="measured seconds per target")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--connections", default="1,8", help="comma-separated: 1 = unloaded latency")
    ap.add_argument("--per-page", type=int, default=50)
    ap.add_argument("--pages", type=int, default=20, help="cycle through this many pages")
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="split each target's seconds into this many turns, the targets taking turns: a change "
        "of the machine's load falls on each alike (a shared machine)",
    )
    args = ap.parse_args(argv)
    logs = ROOT / "test-artifacts"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": round(os.getloadavg()[0], 1),
        "questions": args.count,
        "per_page": args.per_page,
        "seconds": args.seconds,
    }
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database())
        from app.migrate import upgrade

        upgrade(url)
        t0 = time.monotonic()
        email = asyncio.run(seed(url, args.count))
        print(f"seeded {args.count} questions in {time.monotonic() - t0:.1f} s")
        env = {
            **BENCH_LIMITS,
            "DATABASE_URL": url,
            "BENCH_DATABASE_URL": url,
            "MLMOCK_ENV": "development",
            "MLMOCK_COOKIE_SECURE": "false",
            "MLMOCK_LOG_LEVEL": "WARNING",
        }
        app_port, app_pid = stack.enter_context(
            serve("app.asgi:app", env, logs / "bench-app.log", with_pid=True)
        )
        base_port, base_pid = stack.enter_context(
            serve("bench.questions_baseline:app", env, logs / "bench-baseline.log", with_pid=True)
        )
        pids = {app_port: app_pid, base_port: base_pid}
        cookie = sign_in(app_port, email)
        check = rows_ok(args.per_page)
        fragment = {"Cookie": cookie, "HX-Request": "true"}
        targets: tuple[tuple[str, int, str, dict[str, str]], ...] = (
            ("baseline (Starlette+SQL+Jinja)", base_port, "/questions", {}),
            ("app: list fragment (htmx)", app_port, "/admin/questions", fragment),
            ("app: full list page", app_port, "/admin/questions", {"Cookie": cookie}),
        )
        results: list[Result] = []
        for connections in (int(c) for c in args.connections.split(",")):
            print(
                f"\n{connections} connection(s), {args.seconds:.0f} s each after {args.warmup:.0f} s warm-up,"
                f" in {args.rounds} turns"
            )

            def load(
                seconds: float, target: tuple[str, int, str, dict[str, str]], n: int = connections
            ) -> Result:
                name, port, path, headers = target
                make = request_for(path, headers, args.per_page, args.pages)
                return asyncio.run(
                    run_load(
                        name, "127.0.0.1", port, make, connections=n, seconds=seconds, warmup=0, check=check
                    )
                )

            for target in targets:
                load(args.warmup, target)
            # the targets take turns (baseline, fragment, page, baseline, …) and each turn's answers
            # and server CPU time add up: a load that changes during the run falls on all of them
            run = [Result(target[0], 0, 0, 0.0, []) for target in targets]
            cpu_total = [0.0 for _ in targets]
            for _ in range(args.rounds):
                for k, target in enumerate(targets):
                    before = cpu_seconds(pids[target[1]])
                    turn = load(args.seconds / args.rounds, target)
                    cpu_total[k] += cpu_seconds(pids[target[1]]) - before
                    run[k].requests += turn.requests
                    run[k].errors += turn.errors
                    run[k].seconds += turn.seconds
                    run[k].latencies_ms += turn.latencies_ms
            # the server's own CPU time per answer: steadier than req/s on a shared machine
            cpu = [1000 * total / max(r.requests, 1) for total, r in zip(cpu_total, run, strict=True)]
            for r, c in zip(run, cpu, strict=True):
                print(f"{r.line()}   server CPU {c:.2f} ms/request", flush=True)
            base = run[0]
            for other, other_cpu in zip(run[1:], cpu[1:], strict=True):
                print(
                    f"  {other.name} / baseline: {other.rps / base.rps:.2f}× throughput, "
                    f"p50 {other.p50 / base.p50:.2f}×, p99 {other.pct(99) / base.pct(99):.2f}×, "
                    f"server CPU per request {other_cpu / cpu[0]:.2f}×"
                )
            report[f"connections_{connections}"] = {
                r.name: {
                    "rps": round(r.rps, 1),
                    "p50_ms": round(r.p50, 2),
                    "p99_ms": round(r.pct(99), 2),
                    "server_cpu_ms_per_request": round(c, 3),
                    "ratio_to_baseline": round(r.rps / base.rps, 3),
                }
                for r, c in zip(run, cpu, strict=True)
            }
            results += run
    print(f"\nquestions={args.count} per_page={args.per_page} (total run {time.monotonic() - started:.0f} s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "questions.json").write_text(json.dumps(report, indent=2))
    if any(r.errors or not r.requests for r in results):
        raise SystemExit("some requests failed: see test-artifacts/bench-*.log")
