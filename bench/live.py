"""Live-session benchmark (issue 20): save → mentor-screen latency with many live sessions at once.

N live sessions (default 200): each candidate saves an answer every 2 s (N/2 saves/s in all) and
each session's mentor follows its event stream. The latency of a save is measured from the moment
its request is written to the socket to the moment the bytes of its event arrive at that mentor's
client: p50 and p99 (goal: p99 < 250 ms), plus how many stored saves had not arrived
`--drain` seconds after the last save (`lost`: late beyond that, or never).

Four runs, each on fresh server processes over the same database:
1. the bare baseline (bench/live_baseline.py: a minimal ASGI app, the same save statement plus a
   `pg_notify`, one LISTEN connection relaying notifications to SSE) on one process;
2. the app (`app.asgi:app`: the autosave endpoint, the live session's event stream, the events
   dispatcher) on one process;
3. and 4. the same with candidates served by process A and mentors by process B, so every event
   crosses Postgres LISTEN/NOTIFY from one process to the other.
Beside the latencies: each server process's CPU time per save (from /proc, steadier than wall
clock on a loaded machine) and the clients' own CPU use.

The clients are not the bottleneck: `--clients` processes (default 2) on raw asyncio sockets
(bench/live_client.py: no HTTP library, a hand-written chunked decoder, one keep-alive connection
per saver as a browser tab has), each holding whole sessions (saver and mentor together, one
clock); their CPU use is printed as a share of one core.

    python -m bench live [--sessions 200] [--interval 2] [--seconds 10] [--warmup 3] [--clients 2]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.config import ROOT
from bench import BENCH_LIMITS
from bench.autosave import written_format
from bench.questions import fresh_database, serve

RESULTS = ROOT / "bench" / "results"
# the app's live sessions (app/live): without them only the baseline runs
LIVE = importlib.util.find_spec("app.live") is not None
PASSWORD = "live benchmark passphrase 2026"  # throwaway accounts in a throwaway database


@dataclass
class Session:
    index: int
    attempt_id: str
    item_id: str
    candidate_headers: dict[str, str]  # cookie + CSRF of the candidate
    mentor_headers: dict[str, str]  # cookie of the mentor
    live_id: str = ""  # the app's live session (empty: the app has no live sessions yet)


@dataclass
class Side:
    name: str
    module: str
    env: dict[str, str]
    stream: Callable[[Session], tuple[str, dict[str, str]]]  # (path, headers) of the mentor's stream


def _headers(raw: str) -> dict[str, str]:
    from app.auth.tokens import csrf_for

    return {
        "Cookie": f"__Host-mlmock_session={raw}",
        "X-CSRFToken": csrf_for("s", raw),
        "Content-Type": "application/json",
    }


async def seed(url: str, count: int) -> list[Session]:
    """The seed bank, `count` candidates with a running attempt and `count` mentors, all signed in;
    a live session pairing each (when the app has them)."""
    from sqlalchemy import select, text

    import app.models  # noqa: F401
    from app.auth import service as auth
    from app.auth.models import User
    from app.auth.passwords import hash_password
    from app.db import make_engine, make_sessionmaker
    from app.interviews import service as interviews
    from app.interviews.models import AttemptItem
    from app.migrate import upgrade
    from app.seeding import seed_database

    await asyncio.to_thread(upgrade, url)
    await seed_database(url)
    engine = make_engine(url, pool_size=1)
    out: list[Session] = []
    hashed = await hash_password(PASSWORD)  # once: 2 × count Argon2 hashes would take minutes
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            fmt = await written_format(session)
            for n in range(count):
                candidate = User(
                    email=f"live-candidate-{n}@example.org",
                    display_name=f"Candidate {n}",
                    password_hash=hashed,
                    roles=["candidate"],
                )
                mentor = User(
                    email=f"live-mentor-{n}@example.org",
                    display_name=f"Mentor {n}",
                    password_hash=hashed,
                    roles=["candidate", "mentor"],
                )
                session.add_all([candidate, mentor])
                await session.flush()
                raw_c = await auth.start_session(
                    session, candidate, ip=None, user_agent="bench", replaces=None
                )
                raw_m = await auth.start_session(session, mentor, ip=None, user_agent="bench", replaces=None)
                if LIVE:  # the mentor books and opens a live session: the attempt starts live
                    live_id, attempt = await _open_live(session, candidate, mentor, fmt.id)
                else:
                    live_id, attempt = "", await interviews.start_attempt(session, candidate, fmt.id)
                item = (
                    await session.execute(
                        select(AttemptItem.id)
                        .where(AttemptItem.attempt_id == attempt.id, AttemptItem.kind == "free_text")
                        .order_by(AttemptItem.position)
                        .limit(1)
                    )
                ).scalar_one()
                out.append(Session(n, str(attempt.id), str(item), _headers(raw_c), _headers(raw_m), live_id))
            # the booking and opening notifications are not what is measured: handled already
            await session.execute(text("UPDATE domain_event SET handled_at = now() WHERE handled_at IS NULL"))
    finally:
        await engine.dispose()
    return out


async def _open_live(session: Any, candidate: Any, mentor: Any, format_id: Any) -> tuple[str, Any]:
    """A slot starting in 5 minutes, booked by the candidate and opened by the mentor (which starts
    the candidate's live attempt): the live session's id and the attempt."""
    from datetime import timedelta

    from app.booking import service as booking
    from app.interviews.models import Attempt
    from app.kit import clock
    from app.live import service as live

    slot = await booking.add_slot(session, mentor, clock.now() + timedelta(minutes=5), 60, [format_id])
    booked = await booking.book(session, candidate, slot.id, format_id)
    opened = await live.open_session(session, mentor, booked.id)
    return str(opened.id), await session.get(Attempt, opened.attempt_id)


def stored_revisions(url: str, sessions: list[Session]) -> dict[str, int]:
    import psycopg

    from bench.questions import _libpq

    with psycopg.connect(_libpq(url)) as conn:
        return dict(conn.execute("SELECT CAST(item_id AS text), revision FROM answer").fetchall())


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _servers(
    module: str, env: dict[str, str], count: int, log: Path, profile: bool
) -> Iterator[list[tuple[int, int]]]:
    """`count` uvicorn processes of `module`: [(port, pid)] (`profile`: cProfile files beside the logs)."""
    with ExitStack() as stack:
        started = []
        for k in range(count):
            prof = log.with_suffix(f".{k}.prof") if profile else None
            port, pid = stack.enter_context(
                serve(module, env, log.with_suffix(f".{k}.log"), with_pid=True, profile=prof)
            )
            started.append((port, pid))
        yield started


async def _clients(
    spec: dict[str, Any], sessions: list[dict[str, Any]], clients: int, wait: float, pids: list[int]
) -> tuple[list[dict[str, Any]], dict[int, float]]:
    procs = []
    for k in range(clients):
        mine = sessions[k::clients]
        if not mine:
            continue
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.live_client",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write((json.dumps({**spec, "sessions": mine}) + "\n").encode())
        await proc.stdin.drain()
        procs.append(proc)
    try:
        for proc in procs:  # every stream open before the first save
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            if line.strip() != b"ready":
                raise RuntimeError(f"a client failed to open its streams: {line!r}")
        cpu0 = {pid: _proc_cpu(pid) for pid in pids}
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        results = []
        for proc in procs:
            assert proc.stdout is not None
            results.append(json.loads(await asyncio.wait_for(proc.stdout.readline(), wait)))
        cpu = {pid: _proc_cpu(pid) - cpu0[pid] for pid in pids}
        return results, cpu
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    data = sorted(values)
    if p == 50:
        return round(statistics.median(data), 1)
    return round(data[min(len(data) - 1, int(p / 100 * len(data)))], 1)


def run_side(
    side: Side, url: str, sessions: list[Session], processes: int, args: argparse.Namespace, run: int
) -> dict[str, Any]:
    log = RESULTS / f"live-{side.name}"
    env = {**side.env, "DATABASE_URL": url}
    with _servers(side.module, env, processes, log, args.profile) as servers:
        (save_port, save_pid), (stream_port, stream_pid) = servers[0], servers[-1]
        bases = stored_revisions(url, sessions)
        specs = []
        for s in sessions:
            path, headers = side.stream(s)
            specs.append(
                {
                    "index": s.index,
                    "save_path": f"/attempts/{s.attempt_id}/items/{s.item_id}/answer",
                    "save_headers": s.candidate_headers,
                    "stream_path": path,
                    "stream_headers": headers,
                    "base": bases.get(s.item_id, 0),
                }
            )
        spec = {
            "run": run,
            "save_port": save_port,
            "stream_port": stream_port,
            "interval": args.interval,
            "warmup": args.warmup,
            "seconds": args.seconds,
            "drain": args.drain,
        }
        pids = sorted({save_pid, stream_pid})
        timeout = args.warmup + args.seconds + args.drain + 60
        results, cpu = asyncio.run(_clients(spec, specs, args.clients, timeout, pids))
    delivery = [ms for r in results for ms in r["delivery_ms"]]
    saves = [ms for r in results for ms in r["save_ms"]]
    statuses: dict[str, int] = {}
    refusals: dict[str, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
        for reason, n in r["refusals"].items():
            refusals[reason] = refusals.get(reason, 0) + n
    total_saves = sum(r["saves_total"] for r in results)
    wall = max(r["wall_seconds"] for r in results)
    return {
        "processes": processes,
        "delivery_p50_ms": pct(delivery, 50),
        "delivery_p99_ms": pct(delivery, 99),
        "delivery_max_ms": round(max(delivery), 1) if delivery else None,
        "delivered": len(delivery),
        "stored": sum(r["stored"] for r in results),
        "lost": sum(r["lost"] for r in results),
        "save_p50_ms": pct(saves, 50),
        "save_p99_ms": pct(saves, 99),
        "save_statuses": statuses,
        "save_refusals": refusals,  # every save, warm-up included
        # whole run (warm-up included) per save sent: the saving process and the streaming one
        "server_cpu_ms_per_save": {
            (
                "saves+streams" if save_pid == stream_pid else ("saves" if pid == save_pid else "streams")
            ): round(1000 * seconds / max(1, total_saves), 3)
            for pid, seconds in cpu.items()
        },
        "client_cpu_share_of_a_core": round(sum(r["cpu_seconds"] for r in results) / wall / len(results), 3),
    }


def sides() -> list[Side]:
    env = {**BENCH_LIMITS, "MLMOCK_ENV": "test", "MLMOCK_LOG_LEVEL": "WARNING"}
    # with live sessions the save statement announces the saves itself: the baseline relays those
    base_env = {**env, "BASELINE_NOTIFY": "app" if LIVE else "own"}
    out = [
        Side(
            "baseline",
            "bench.live_baseline:app",
            base_env,
            lambda s: (f"/baseline/{s.attempt_id}/events", {}),
        )
    ]
    if LIVE:
        out.append(
            Side(
                "mlmock",
                "app.asgi:app",
                env,
                lambda s: (f"/live/{s.live_id}/events", {"Cookie": s.mentor_headers["Cookie"]}),
            )
        )
    return out


def _line(name: str, r: dict[str, Any]) -> str:
    cpu = ", ".join(f"{k} {v:.2f}" for k, v in r["server_cpu_ms_per_save"].items())
    return (
        f"{name:<24} p50 {r['delivery_p50_ms'] or 0:7.1f} ms  p99 {r['delivery_p99_ms'] or 0:7.1f} ms  "
        f"max {r['delivery_max_ms'] or 0:7.1f} ms  lost {r['lost']}/{r['stored']}   "
        f"save p99 {r['save_p99_ms'] or 0:6.1f} ms  server CPU ms/save: {cpu}  "
        f"(clients {100 * r['client_cpu_share_of_a_core']:.0f} % of a core each)"
    )


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench live", description=__doc__)
    ap.add_argument(
        "--sessions", type=int, default=200, help="live sessions (a saver and a mentor stream each)"
    )
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between one candidate's saves")
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=3.0, help="seconds of saves before measuring")
    ap.add_argument("--drain", type=float, default=5.0, help="seconds to wait for the last events")
    ap.add_argument("--clients", type=int, default=2, help="client processes")
    ap.add_argument("--processes", default="1,2", help="app processes per run: 1 and/or 2")
    ap.add_argument("--output", default=str(RESULTS / "live.json"))
    ap.add_argument(
        "--profile", action="store_true", help="run the servers under cProfile: bench/results/live-*.prof"
    )
    args = ap.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, load average {load:.1f} at the start",
        "sessions": args.sessions,
        "saves_per_second": round(args.sessions / args.interval, 1),
        "measured_seconds": args.seconds,
        "runs": {},
    }
    started = time.monotonic()
    with fresh_database() as url:
        sessions = asyncio.run(seed(url, args.sessions))
        print(
            f"live: {args.sessions} sessions, a save every {args.interval:g} s each "
            f"({report['saves_per_second']:g} saves/s), {args.sessions} mentor streams; "
            f"{args.seconds:g} s measured after {args.warmup:g} s warm-up; {report['machine']}",
            flush=True,
        )
        run = int(time.time()) % 100000
        for processes in (int(p) for p in args.processes.split(",")):
            for side in sides():
                run += 1
                name = f"{side.name}, {processes} process{'es' if processes > 1 else ''}"
                try:
                    result = run_side(side, url, sessions, processes, args, run)
                except Exception as exc:  # reported, and the other runs still go ahead
                    report["runs"][name] = {"processes": processes, "error": repr(exc)}
                    print(f"{name:<24} FAILED: {exc!r} (server logs: bench/results/live-*.log)", flush=True)
                    continue
                report["runs"][name] = result
                print(_line(name, result), flush=True)
        _ratios(report)
    report["seconds"] = round(time.monotonic() - started)
    Path(args.output).write_text(json.dumps(report, indent=2))
    print(f"(total {report['seconds']} s; {args.output})")
    if any("error" in r for r in report["runs"].values()):
        raise SystemExit(1)


def _ratios(report: dict[str, Any]) -> None:
    """The app beside the baseline, per number of processes, and the goal (p99 < 250 ms)."""
    for processes in ("1 process", "2 processes"):
        app, base = report["runs"].get(f"mlmock, {processes}"), report["runs"].get(f"baseline, {processes}")
        if not app or not base or "error" in app or "error" in base:
            continue
        ratios = {
            key: round(app[key] / base[key], 2)
            for key in ("delivery_p50_ms", "delivery_p99_ms")
            if app.get(key) and base.get(key)
        }
        report[f"ratio_{processes.replace(' ', '_')}"] = ratios
        verdict = "meets" if (app["delivery_p99_ms"] or 1e9) < 250 and not app["lost"] else "MISSES"
        print(
            f"{processes}: mlmock/baseline p50 ×{ratios.get('delivery_p50_ms')}, p99 ×{ratios.get('delivery_p99_ms')};"
            f" mlmock p99 {app['delivery_p99_ms']} ms → {verdict} the goal (p99 < 250 ms, nothing lost)",
            flush=True,
        )
