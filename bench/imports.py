"""Import benchmark: a 10,000-question GIFT import through the API while candidates autosave.

One uvicorn process serves the app against a fresh seeded database. While an admin imports a
generated 10,000-question GIFT file through `POST /api/v1/imports`, an open-loop generator
sends autosaves at a fixed rate (100/s) and a prober polls `/healthz` (20/s); latencies are
measured from each request's scheduled send time, only over the import's duration. The server
starts its parsing process in its lifespan (app/imports/offload.py), before the benchmark's
first request; a server started without it would start one inside the import.
`--questions 3000` is a short smoke run (still above offload.PROCESS_MIN_BYTES). `--diagnose`
serves bench/lag_app.py instead (the app plus an event-loop lag recorder), samples Postgres'
wait events during the run and prints where the slow saves were: loop lag, collections, the
statement the import was running, what the saves waited for. The bare
baseline is the pure parse of the same file in this process (no rendering, no database):
the import's questions/s beside it shows what the rest costs.
Target (issue 12): autosave p99 < 50 ms and /healthz p99 < 100 ms at 100 saves/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from contextlib import ExitStack
from typing import Any

import httpx

from bench.autosave import RESULTS, Target, _run_id, prepare, server
from bench.import_diagnosis import WaitSampler, diagnose, print_diagnosis
from bench.loadgen import _read_response
from bench.questions import fresh_database

ADMIN_PASSWORD = "benchmark import admin passphrase 2026"


def generated_gift(n: int) -> bytes:
    """n questions over 40 categories: numeric and choice questions with maths to render."""
    out = []
    for i in range(1, n + 1):
        if i % 250 == 1:
            out.append(f"$CATEGORY: $course$/top/Bench import/Batch {i // 250}\n")
        x = f"$x_\\{{{i}\\}}$"
        if i % 3 == 0:
            answer = f"{{=yes {i} ~no {i} ~%50%maybe {i}}}"
        else:
            answer = f"{{#{i}:0.5####Because {x} is {i}.}}"
        out.append(f"// [tag:bench-{i % 7}]\n::Bench {i}::What is the value of {x}?{answer}\n")
    return "\n".join(out).encode()


async def admin_headers(url: str) -> dict[str, str]:
    import app.models  # noqa: F401
    from app.auth import service as auth
    from app.auth.tokens import csrf_for
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    async with make_sessionmaker(engine)() as session, session.begin():
        user = await auth.create_user(
            session,
            email="bench-importer@example.org",
            display_name="Bench importer",
            password=ADMIN_PASSWORD,
            roles=["candidate", "mentor", "admin"],
        )
        raw = await auth.start_session(session, user, ip=None, user_agent="bench", replaces=None)
    await engine.dispose()
    return {"Cookie": f"__Host-mlmock_session={raw}", "X-CSRFToken": csrf_for("s", raw)}


def _stats(latencies: list[float], statuses: dict[int, int]) -> dict[str, Any]:
    data = sorted(latencies) or [0.0]
    return {
        "requests": len(latencies),
        "statuses": statuses,
        "p50_ms": round(statistics.median(data), 2),
        "p99_ms": round(data[min(len(data) - 1, int(0.99 * len(data)))], 2),
        "max_ms": round(data[-1], 2),
    }


async def fixed_rate(
    port: int,
    rate: float,
    done: asyncio.Event,
    make: Any,
    latencies: list[float],
    statuses: dict[int, int],
    on_reply: Any = None,
    timeline: list[tuple[float, float]] | None = None,
) -> None:
    """Send make(k) → raw request bytes at `rate`/s until `done`; latency from the schedule.

    `timeline` gets (wall time scheduled, latency ms) of each request."""
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    start = time.perf_counter()
    pending: set[asyncio.Task[None]] = set()

    async def one(k: int, scheduled: float) -> None:
        payload = make(k)
        conn = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port)
        try:
            conn[1].write(payload)
            status, body = await _read_response(conn[0])
        except (asyncio.IncompleteReadError, ConnectionError):
            conn[1].close()
            conn = await asyncio.open_connection("127.0.0.1", port)
            conn[1].write(payload)
            status, body = await _read_response(conn[0])
        if on_reply is not None:
            on_reply(k, status, body)
        latencies.append((time.perf_counter() - scheduled) * 1000)
        if timeline is not None:
            timeline.append((time.time() - (time.perf_counter() - scheduled), latencies[-1]))
        statuses[status] = statuses.get(status, 0) + 1
        idle.append(conn)

    k = 0
    while not done.is_set():
        scheduled = start + k / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        task = asyncio.create_task(one(k, scheduled))
        pending.add(task)
        task.add_done_callback(pending.discard)
        k += 1
    await asyncio.gather(*pending)
    for _, writer in idle:
        writer.close()


async def run(
    port: int,
    targets: list[Target],
    admin: dict[str, str],
    data: bytes,
    rate: float,
    save_timeline: list[tuple[float, float]] | None = None,
    window: list[float] | None = None,
) -> dict[str, Any]:
    done = asyncio.Event()
    offset = _run_id()
    bases = [0] * len(targets)  # the stored revision each slot's next save is based on
    save_lat: list[float] = []
    save_st: dict[int, int] = {}
    health_lat: list[float] = []
    health_st: dict[int, int] = {}

    def save(k: int) -> bytes:
        t = targets[k % len(targets)]
        # the compare-and-swap body: based on the revision the slot's last answer named
        index = k % len(targets)
        body = json.dumps(
            {"base_revision": bases[index], "save_id": f"i{offset}-{k}", "text": f"import bench answer {k}"}
        ).encode()
        head = f"POST {t.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{h}: {v}\r\n" for h, v in t.headers.items()) + "\r\n"
        return head.encode() + body

    def saved(k: int, status: int, body: bytes) -> None:
        if status in (200, 409):
            bases[k % len(targets)] = json.loads(body).get("revision") or bases[k % len(targets)]

    def health(_: int) -> bytes:
        return f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()

    async def do_import() -> tuple[float, httpx.Response]:
        await asyncio.sleep(1.0)  # both generators are running first
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as c:
            started = time.perf_counter()
            if window is not None:
                window.append(time.time())
            r = await c.post("/api/v1/imports?format=gift", content=data, headers=admin)
            if window is not None:
                window.append(time.time())
            return time.perf_counter() - started, r

    async def measured() -> tuple[float, httpx.Response]:
        try:
            return await do_import()
        finally:
            done.set()

    loads = [
        asyncio.create_task(fixed_rate(port, rate, done, save, save_lat, save_st, saved, save_timeline)),
        asyncio.create_task(fixed_rate(port, 20.0, done, health, health_lat, health_st)),
    ]
    seconds, response = await measured()
    await asyncio.gather(*loads)
    if response.status_code != 200:
        raise SystemExit(f"the import failed: {response.status_code} {response.text[:300]}")
    counts = response.json()["counts"]
    return {
        "import": {"seconds": round(seconds, 2), "counts": counts},
        "autosave": _stats(save_lat, save_st),
        "healthz": _stats(health_lat, health_st),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench import", description=__doc__)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="autosaves per second during the import")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="record loop lag and Postgres wait events; say where saves stalled",
    )
    args = parser.parse_args(argv)
    from app.imports import gift

    data = generated_gift(args.questions)
    started = time.perf_counter()
    parsed = gift.parse(data.decode())
    parse_seconds = time.perf_counter() - started
    assert len(parsed.items) == args.questions
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ["MLMOCK_IMPORT_MAX_QUESTIONS"] = str(max(args.questions, 5_000))
    os.environ["MLMOCK_IMPORT_MAX_BYTES"] = str(max(len(data) * 2, 10 * 1_048_576))
    lag_file = RESULTS / "import-lag.json"
    timeline: list[tuple[float, float]] = []
    window: list[float] = []
    with fresh_database() as url, ExitStack() as stack:
        targets, _ = asyncio.run(prepare(url))
        admin = asyncio.run(admin_headers(url))
        module, env = "app.asgi:app", {}
        if args.diagnose:
            module, env = "bench.lag_app:app", {"MLMOCK_BENCH_LAG_FILE": str(lag_file)}
            lag_file.unlink(missing_ok=True)
            sampler = stack.enter_context(WaitSampler(url))
        with server(module, url, RESULTS / "import-server.log", env) as port:
            report = asyncio.run(run(port, targets, admin, data, args.rate, timeline, window))
        if args.diagnose:
            sampler.stop()
            lag = json.loads(lag_file.read_text())
            report["diagnosis"] = diagnose(lag, sampler, timeline, window)
            raw = {"window": window, "lag": lag, "saves": timeline, "postgres": sampler.samples}
            (RESULTS / "import-diagnosis-raw.json").write_text(json.dumps(raw))
    qps = args.questions / report["import"]["seconds"]
    report["baseline"] = {
        "parse_seconds": round(parse_seconds, 2),
        "questions_per_s": round(args.questions / parse_seconds, 1),
    }
    report["import"]["questions_per_s"] = round(qps, 1)
    a, h = report["autosave"], report["healthz"]
    ok = a["p99_ms"] < 50 and h["p99_ms"] < 100
    report["target"] = {"autosave_p99_ms": 50, "healthz_p99_ms": 100, "rate": args.rate, "met": ok}
    print(
        f"import    {args.questions} questions in {report['import']['seconds']} s = {qps:.1f} questions/s  "
        f"{report['import']['counts']}"
    )
    print(
        f"baseline  parse only: {report['baseline']['questions_per_s']} questions/s ({parse_seconds:.2f} s)"
    )
    print(
        f"autosave  at {args.rate:.0f}/s during the import: p50 {a['p50_ms']} ms  p99 {a['p99_ms']} ms "
        f"(target < 50 ms)  max {a['max_ms']} ms  {a['statuses']}"
    )
    print(
        f"/healthz  at 20/s: p50 {h['p50_ms']} ms  p99 {h['p99_ms']} ms (target < 100 ms)  "
        f"max {h['max_ms']} ms  {h['statuses']}"
    )
    print(
        ("meets" if ok else "MISSES")
        + f" the target (autosave p99 < 50 ms, /healthz p99 < 100 ms at {args.rate:.0f} saves/s)"
    )
    if args.diagnose:
        print_diagnosis(report["diagnosis"])
    (RESULTS / "import.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
