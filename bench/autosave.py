"""Autosave benchmark: the real autosave endpoint against two bare ASGI baselines, side by side,
then its capacity (1 and 2 worker processes) and its behaviour at twice that capacity.

The endpoint under test does everything a browser's save needs: session cookie, CSRF
header, validation, flood guard, in-flight bound, metrics, and the compare-and-swap save (the
`save_answer` function: session check, ownership + state + deadline, base revision, revision
log). The baselines (bench/autosave_baseline.py) run the same compiled statement in a bare ASGI
app, one on psycopg (the app's driver) and one on asyncpg (the fastest Python driver), so the
ratios are the cost of the framework and the app's own code. Each runs as a single uvicorn
process on 127.0.0.1 against the same fresh database.

Each save is based on the revision the last reply for that item named (a 409 names the stored
revision, so a base gone stale heals at once): every item belongs to one load-generator thread
and is revisited only after all the thread's other items, so a 409 only appears when a reply
was still in flight at the next visit (an overloaded server).

1. Throughput: wrk, closed loop (2 threads × 16 connections), req/s of each server; the ratios
   to the psycopg baseline and to the fastest baseline (target, issue 17: ≥ 0.50 × the fastest).
2. Latency at a fixed offered rate (open loop, 200 saves/s): p50/p99 measured from each
   request's scheduled send time, so a slow server cannot hide its queueing.
3. Capacity (bench/capacity.py): `mlmock serve --workers N` for N = 1, 2, offered 200, 400, 600 …
   saves/s open loop; the capacity is the highest rate with p99 < 50 ms and < 1 % refused.
4. Overload: twice the 1-worker capacity. Target: accepted saves p99 < 100 ms, the rest refused
   with 503 + Retry-After within 50 ms (p99).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.config import ROOT
from bench import BENCH_LIMITS
from bench.loadgen import _read_response
from bench.questions import _free_port, cpu_seconds, fresh_database

USERS = 12
RESULTS = ROOT / "bench" / "results"


@dataclass
class Target:
    path: str
    headers: dict[str, str]
    item_id: str = ""


async def written_format(session: Any) -> Any:
    """The seed bank's format of free-text questions (what the save benchmarks answer)."""
    from sqlalchemy import select

    from app.interviews.models import InterviewFormat

    return (
        await session.execute(select(InterviewFormat).where(InterviewFormat.slug == "written-explanations"))
    ).scalar_one()


async def prepare(url: str) -> tuple[list[Target], list[Target]]:
    """Seed the bank and formats; start one attempt for each of USERS candidates with a session."""
    from sqlalchemy import select

    import app.models  # noqa: F401
    from app.auth import service as auth
    from app.auth.tokens import csrf_for
    from app.db import make_engine, make_sessionmaker
    from app.interviews import service as interviews
    from app.interviews.models import AttemptItem
    from app.migrate import upgrade
    from app.seeding import seed_database

    await asyncio.to_thread(upgrade, url)
    await seed_database(url)
    engine = make_engine(url, pool_size=1)
    app_targets: list[Target] = []
    base_targets: list[Target] = []
    async with make_sessionmaker(engine)() as session, session.begin():
        fmt = await written_format(session)
        for n in range(USERS):
            user = await auth.create_user(
                session,
                email=f"bench{n}@example.org",
                display_name=f"Bench {n}",
                password="bench passphrase 2026",
            )
            raw = await auth.start_session(session, user, ip=None, user_agent="bench", replaces=None)
            attempt = await interviews.start_attempt(session, user, fmt.id)
            items = (
                await session.execute(
                    select(AttemptItem.id).where(
                        AttemptItem.attempt_id == attempt.id, AttemptItem.kind == "free_text"
                    )
                )
            ).scalars()
            headers = {
                "Cookie": f"__Host-mlmock_session={raw}",
                "X-CSRFToken": csrf_for("s", raw),
                "Content-Type": "application/json",
            }
            for item in items:
                path = f"/attempts/{attempt.id}/items/{item}/answer"
                app_targets.append(Target(path, headers, str(item)))
                base_targets.append(Target(path, headers, str(item)))
    await engine.dispose()
    return app_targets, base_targets


SERVER_PIDS: dict[int, int] = {}  # port -> the uvicorn process serving it (its CPU time is read)


@contextmanager
def server(module: str, url: str, log: Path, extra_env: dict[str, str] | None = None) -> Any:
    port = _free_port()
    env = {**os.environ, **BENCH_LIMITS, "DATABASE_URL": url, "MLMOCK_ENV": "test", **(extra_env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            module,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded 2-core machine takes 30 s+ to import the app
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        SERVER_PIDS[port] = proc.pid
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # never leave a server behind (it held the port and the log)
            proc.kill()
            proc.wait()


LUA = """
local targets = %s
local counter = 0
local nthreads = 1
local offset = 0
local mine = {}
local n = 0
local created = 0
function setup(thread)
  -- becomes the global `tid` inside that thread's own Lua state
  thread:set("tid", created)
  created = created + 1
end
function init(args)
  nthreads = tonumber(args[1])
  offset = tonumber(args[2])
  for i, t in ipairs(targets) do
    if (i - 1) %% nthreads == tid then table.insert(mine, t) end
  end
  n = #mine
end
function request()
  counter = counter + 1
  local k = (counter %% n) + 1
  local t = mine[k]
  -- based on the revision the last reply for this item named (a 409 names the stored one)
  local save_id = string.format("w%%d-%%d-%%d-%%d", offset, tid, counter, k)
  local body = '{"base_revision": ' .. string.format("%%d", t[3]) .. ', "save_id": "' .. save_id
    .. '", "text": "benchmark answer text, save ' .. save_id .. '"}'
  return wrk.format("POST", t[1], t[2], body)
end
function response(status, headers, body)
  local k = tonumber(string.match(body or "", '"save_id": ?"w%%d+%%-%%d+%%-%%d+%%-(%%d+)"'))
  local revision = tonumber(string.match(body or "", '"revision": ?(%%d+)'))
  if k and revision and mine[k] then mine[k][3] = revision end
end
"""


def _lua(targets: list[Target], bases: list[int]) -> str:
    def lua_str(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = []
    for t, base in zip(targets, bases, strict=True):
        headers = ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in t.headers.items())
        rows.append(f"{{{lua_str(t.path)}, {{{headers}}}, {base}}}")
    return LUA % ("{" + ",\n".join(rows) + "}")


def _run_id() -> int:
    """Makes save ids unique across runs (a save id is unique per item)."""
    return int(time.time() * 1000) % 10**12


def stored_revisions(url: str, targets: list[Target]) -> list[int]:
    """The stored revision of each target's item: the base of its next save (read after the
    server finished what the previous phase left in flight)."""
    import psycopg

    time.sleep(1)

    # only the targets' answers: the whole table is a million rows in the analytics benchmark
    # (0.7 s of Postgres and a second of this process's GIL while the measured pages load)
    ids = sorted({t.item_id for t in targets if t.item_id})
    with psycopg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", url)) as conn:
        rows = dict(
            conn.execute(
                "SELECT CAST(item_id AS text), revision FROM answer WHERE item_id = ANY(CAST(%s AS uuid[]))",
                (ids,),
            ).fetchall()
        )
    return [int(rows.get(t.item_id, 0)) for t in targets]


def wrk(
    port: int, url: str, targets: list[Target], seconds: int, threads: int = 2, connections: int = 16
) -> dict[str, Any]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(_lua(targets, stored_revisions(url, targets)))
    offset = _run_id()
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(threads),
            str(offset),
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "requests": total, "non_2xx": int(non2xx.group(1)) if non2xx else 0}


async def open_loop(
    port: int, url: str, targets: list[Target], rate: float, seconds: float
) -> dict[str, Any]:
    """Send at a fixed rate regardless of answers; latency from the scheduled time (no coordinated omission)."""
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    refused: list[float] = []  # 503/429: answered "not now" (the overload figures)
    accepted: list[float] = []  # everything else (200, 409)
    reasons: dict[str, int] = {}  # "503 busy", "503 unavailable", "429 rate_limited"
    statuses: dict[int, int] = {}
    offset = _run_id()
    bases = await asyncio.to_thread(stored_revisions, url, targets)
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)

    async def one(k: int) -> None:
        scheduled = start + k / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        index = k % len(targets)
        t = targets[index]
        save_id = f"o{offset}-{k}"
        body = json.dumps(
            {"base_revision": bases[index], "save_id": save_id, "text": f"open-loop answer {save_id}"}
        ).encode()
        head = f"POST {t.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k2}: {v}\r\n" for k2, v in t.headers.items()) + "\r\n"
        conn = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
        try:
            conn[1].write(head.encode() + body)
            status, reply = await _read_response(conn[0])
        except (asyncio.IncompleteReadError, ConnectionError):
            # uvicorn closes keep-alive connections idle for 5 s: resend on a new one (the same
            # save id, so the retry is harmless); the latency still counts from the schedule
            conn[1].close()
            conn = await asyncio.open_connection("127.0.0.1", port)
            conn[1].write(head.encode() + body)
            status, reply = await _read_response(conn[0])
        latency = (time.perf_counter() - scheduled) * 1000
        latencies.append(latency)
        (refused if status in (503, 429) else accepted).append(latency)
        if status in (503, 429):
            reason = f"{status} {_reason(reply)}"
            reasons[reason] = reasons.get(reason, 0) + 1
        statuses[status] = statuses.get(status, 0) + 1
        if status in (200, 409):
            bases[index] = json.loads(reply).get("revision") or bases[index]
        idle.append(conn)

    await asyncio.gather(*(one(k) for k in range(total)))
    for _, writer in idle:
        writer.close()
    return {
        "rate": rate,
        "requests": total,
        "statuses": statuses,
        "p50_ms": _pct(latencies, 50),
        "p99_ms": _pct(latencies, 99),
        "max_ms": round(max(latencies), 2),
        "accepted": len(accepted),
        "accepted_p99_ms": _pct(accepted, 99),
        "refused": len(refused),
        "refused_p99_ms": _pct(refused, 99),
        "refused_reasons": reasons,
    }


def _reason(reply: bytes) -> str:
    try:
        return str(json.loads(reply).get("reason", "?"))
    except ValueError:
        return "?"


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    data = sorted(values)
    if p == 50:
        return round(statistics.median(data), 2)
    return round(data[min(len(data) - 1, int(p / 100 * len(data)))], 2)


SERVERS = {
    # name: (ASGI app, extra environment)
    "asyncpg": ("bench.autosave_baseline:app", {"BASELINE_DRIVER": "asyncpg"}),
    "psycopg": ("bench.autosave_baseline:app", {"BASELINE_DRIVER": "psycopg"}),
    "mlmock": ("app.asgi:app", {}),  # production defaults (INFO request log included)
}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench autosave", description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="duration of each throughput/latency phase")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds before each server's phases")
    parser.add_argument(
        "--rate", type=float, default=200.0, help="offered rate for the latency phase (saves/s)"
    )
    parser.add_argument("--step-seconds", type=float, default=4.0, help="duration of each capacity step")
    parser.add_argument("--workers", default="1,2", help="worker counts for the capacity table")
    parser.add_argument("--max-rate", type=float, default=4000.0, help="highest rate the capacity steps try")
    parser.add_argument(
        "--overload-rate",
        type=float,
        default=None,
        help="offered rate of the overload phase (default: twice the measured 1-worker capacity)",
    )
    parser.add_argument(
        "--capacity-only",
        action="store_true",
        help="skip the throughput and fixed-rate phases: only the capacity table and the overload phase",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    from bench.capacity import capacity_table, overload

    RESULTS.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": load,
    }
    report["machine"] = f"{os.cpu_count()} cores, load average {load:.1f} at the start"
    with fresh_database() as url:
        targets, _ = asyncio.run(prepare(url))
        print(f"prepared {len(targets)} answer slots over {USERS} candidates' attempts; {report['machine']}")
        log = RESULTS / "autosave-servers.log"
        for name, (module, env) in () if args.capacity_only else SERVERS.items():
            with server(module, url, log, env) as port:
                wrk(port, url, targets, args.warmup)  # warm-up: pools, prepared statements, cold paths
                before = cpu_seconds(SERVER_PIDS[port])
                report[name] = {"throughput": wrk(port, url, targets, args.seconds)}
                # the server's CPU time per request: steadier than req/s on a shared machine
                spent = cpu_seconds(SERVER_PIDS[port]) - before
                report[name]["throughput"]["server_cpu_ms_per_request"] = round(
                    1000 * spent / max(report[name]["throughput"]["requests"], 1), 3
                )
                report[name]["latency"] = asyncio.run(open_loop(port, url, targets, args.rate, args.seconds))
            t, lat = report[name]["throughput"], report[name]["latency"]
            print(
                f"{name:<8} {t['rps']:8.1f} req/s (closed loop, {t['requests']} requests, {t['non_2xx']} non-2xx, "
                f"server CPU {t['server_cpu_ms_per_request']} ms/request)"
                f"   at {lat['rate']:.0f}/s: p50 {lat['p50_ms']} ms  p99 {lat['p99_ms']} ms  {lat['statuses']}"
            )
        if not args.capacity_only:
            compare(report)
        workers = [int(n) for n in args.workers.split(",")]
        report["capacity"] = capacity_table(url, targets, workers, args.step_seconds, args.max_rate)
        report["overload"] = overload(url, targets, report["capacity"], args.seconds, args.overload_rate)
    name = "autosave-capacity.json" if args.capacity_only else "autosave.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2))


def compare(report: dict[str, Any]) -> None:
    """The throughput ratios and CPU per save of mlmock against the baselines (printed, in `report`)."""
    rps = {name: report[name]["throughput"]["rps"] for name in SERVERS}
    fastest = max(("asyncpg", "psycopg"), key=lambda n: rps[n])
    report["ratio_psycopg"] = round(rps["mlmock"] / rps["psycopg"], 3)
    report["ratio_fastest"] = round(rps["mlmock"] / rps[fastest], 3)
    report["fastest"] = fastest
    verdict = "meets" if report["ratio_fastest"] >= 0.50 else "MISSES"
    print(
        f"ratio mlmock/psycopg baseline = {report['ratio_psycopg']:.3f}; mlmock/fastest ({fastest}) = "
        f"{report['ratio_fastest']:.3f} → {verdict} the target (≥ 0.50 × the fastest bare baseline)"
    )
    cpu = {name: report[name]["throughput"]["server_cpu_ms_per_request"] for name in SERVERS}
    print(
        "server CPU per save (closed loop): "
        + ", ".join(f"{name} {ms} ms" for name, ms in cpu.items())
        + f"; mlmock / {fastest}: {cpu['mlmock'] / max(cpu[fastest], 1e-9):.2f}×"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
