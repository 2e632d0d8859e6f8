"""Analytics benchmark: the admin analytics pages over many synthetic attempts, beside the bare SQL.

Seeds a fresh database (the seed bank, then N synthetic attempts of 10 items with reviews —
100,000 attempts ≈ 1,000,000 answers by default), serves the app with uvicorn on 127.0.0.1 and
measures, one connection at a time (latency, not throughput):
- the bare SQL of each page (the same statements, run directly: the floor any page pays), and
- the pages themselves (session, filters, the same SQL, rendering, SVG) — p50 and p95 of each.
Meanwhile candidates autosave at a fixed 100 saves/s (open loop, the compare-and-swap body), and
their p99 is printed: analytics must not slow the hot path down.
Pages are cached per refresh generation (app/analytics/cache.py), so each page is measured twice:
"cached" (the steady state between two refresher runs) and "cold" (the bench gives the
summaries a new generation before every load, as if the refresher ran all the time: every load
computes its statistics afresh); the autosave p99 is measured during each.
Target (issue 18): the per-question page and the mentor page p95 < 300 ms on a 2-core machine,
autosave p99 < 50 ms while they load.
`--database URL` reuses an already generated database (no seeding) to iterate quickly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from contextlib import ExitStack
from typing import Any

from sqlalchemy import text

from app.config import ROOT
from bench import BENCH_LIMITS
from bench.autosave import open_loop
from bench.loadgen import run_load
from bench.questions import PASSWORD, fresh_database, serve, sign_in

RESULTS = ROOT / "bench" / "results"


async def generate(url: str, attempts: int) -> str:
    """The seed bank, `attempts` synthetic attempts (committed in chunks), an admin; returns its email."""
    from app.analytics.refresh import refresh_all
    from app.analytics.synthetic import generate_attempts
    from app.auth import service
    from app.db import make_engine, make_sessionmaker
    from app.migrate import upgrade
    from app.seeding import seed_database

    await asyncio.to_thread(upgrade, url)
    await seed_database(url)
    engine = make_engine(url, pool_size=1)
    maker = make_sessionmaker(engine)
    email = f"analytics-bench-{time.time_ns()}@example.org"
    try:
        done = 0
        while done < attempts:
            chunk = min(5_000, attempts - done)
            async with maker() as s:
                await generate_attempts(s, chunk, seed=done, items_per_attempt=10)
                await s.commit()
            done += chunk
            print(f"  {done} attempts", flush=True)
        # The refresher's work, done up front (the pages read its summaries): the whole queue in one
        # set-based pass, on planner statistics of the generated tables (autovacuum may be off or
        # not yet round: without them the planner takes a million-row table for an empty one).
        t0 = time.monotonic()
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        async with maker() as s:
            await refresh_all(s)
            await s.commit()
        print(f"  refreshed the analytics summaries in {time.monotonic() - t0:.0f} s", flush=True)
        async with maker() as s:
            await service.create_user(
                s, email=email, display_name="Bench Admin", password=PASSWORD, roles=["candidate", "admin"]
            )
            await s.commit()
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return email


async def admin(url: str) -> str:
    from app.auth import service
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    email = f"analytics-bench-{time.time_ns()}@example.org"
    async with make_sessionmaker(engine)() as s:
        await service.create_user(
            s, email=email, display_name="Bench Admin", password=PASSWORD, roles=["candidate", "admin"]
        )
        await s.commit()
    await engine.dispose()
    return email


async def bare_sql(url: str, statements: list[Any], seconds: float) -> list[float]:
    """Run the page's statements back to back (one connection) for `seconds`: ms per page."""
    from app.analytics.repository import Filters
    from app.db import make_engine

    engine = make_engine(url, pool_size=1)
    params = {**Filters().params(), "limit": 500}
    out: list[float] = []
    try:
        async with engine.connect() as conn:
            stop = time.perf_counter() + seconds
            while time.perf_counter() < stop or len(out) < 5:
                t0 = time.perf_counter()
                for stmt in statements:
                    keys = set(stmt.compile().params)
                    (await conn.execute(stmt, {k: v for k, v in params.items() if k in keys})).all()
                out.append((time.perf_counter() - t0) * 1000)
    finally:
        await engine.dispose()
    return out


async def savers(url: str, count: int = 12) -> list[Any]:
    """Candidates with a session and a running attempt (unique accounts, so a reused database works)."""
    from sqlalchemy import select

    from app.auth import service as auth
    from app.auth.tokens import csrf_for
    from app.db import make_engine, make_sessionmaker
    from app.interviews import service as interviews
    from app.interviews.models import AttemptItem
    from bench.autosave import Target, written_format

    engine = make_engine(url, pool_size=1)
    targets: list[Target] = []
    stamp = time.time_ns()
    async with make_sessionmaker(engine)() as session, session.begin():
        fmt = await written_format(session)
        for n in range(count):
            user = await auth.create_user(
                session, email=f"saver{stamp}-{n}@example.org", display_name=f"Saver {n}", password=PASSWORD
            )
            raw = await auth.start_session(session, user, ip=None, user_agent="bench", replaces=None)
            attempt = await interviews.start_attempt(session, user, fmt.id)
            items = await session.execute(
                select(AttemptItem.id).where(
                    AttemptItem.attempt_id == attempt.id, AttemptItem.kind == "free_text"
                )
            )
            headers = {
                "Cookie": f"mlmock_session={raw}",
                "X-CSRFToken": csrf_for("s", raw),
                "Content-Type": "application/json",
            }
            targets += [
                Target(f"/attempts/{attempt.id}/items/{item}/answer", headers, str(item))
                for item in items.scalars()
            ]
    await engine.dispose()
    return targets


async def cold_pages(
    port: int, url: str, request: bytes, seconds: float, timeline: list[tuple[float, float]] | None = None
) -> list[float]:
    """Load the page again and again, each time after a new generation (so nothing is cached): ms each
    (and, into `timeline`, the wall-clock start and ms of each load)."""
    import psycopg

    from bench.loadgen import _read_response

    out: list[float] = []
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        stop = time.perf_counter() + seconds
        try:
            while time.perf_counter() < stop:
                await conn.execute("UPDATE analytics_generation SET token = gen_random_uuid()")
                t0, wall = time.perf_counter(), time.time()
                writer.write(request)
                status, _ = await _read_response(reader)
                if status == 200:
                    out.append((time.perf_counter() - t0) * 1000)
                    if timeline is not None:
                        timeline.append((wall, out[-1]))
        finally:
            writer.close()
    return out


def explain_slow_loads(
    timeline: list[tuple[float, float]], lag: dict[str, Any], samples: list[tuple[float, str, str, str]]
) -> list[dict[str, Any]]:
    """`--diagnose`: each cold load slower than twice the median, with what happened during it — the
    app's event-loop lag and garbage collections (bench/lag_app.py) and what Postgres was doing for
    backends other than the autosaves (pg_stat_activity every 10 ms: the statement, its wait)."""
    from collections import Counter

    if not timeline:
        return []
    median = statistics.median(ms for _, ms in timeline)
    out = []
    for start, ms in timeline:
        if ms <= 2 * median:
            continue
        end = start + ms / 1000

        def during(t: float, start: float = start, end: float = end) -> bool:
            return start <= t <= end

        seen = Counter(f"{w} {q}" for t, who, w, q in samples if during(t) and who != "autosave")
        out.append(
            {
                "ms": round(ms, 1),
                "median_ms": round(median, 1),
                "loop_lag_ms": round(sum(m for t, m in lag["late"] if during(t)), 1),
                "worst_tick_ms": max((m for t, m in lag["late"] if during(t)), default=0.0),
                "collections": [(g, m) for t, g, m in lag["collections"] if during(t)],
                "postgres_10ms_samples": dict(seen.most_common(6)),
            }
        )
    return out


def pct(data: list[float], p: float) -> float:
    ordered = sorted(data)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main(argv: list[str]) -> None:
    from app.analytics import repository as repo

    ap = argparse.ArgumentParser(prog="python -m bench analytics", description=__doc__)
    ap.add_argument("--attempts", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds per target")
    ap.add_argument("--database", help="reuse this already generated database (skips seeding)")
    ap.add_argument(
        "--diagnose",
        action="store_true",
        help="serve bench/lag_app.py (loop lag, collections), sample pg_stat_activity, and explain "
        "each cold load slower than twice the median",
    )
    args = ap.parse_args(argv)
    logs = ROOT / "test-artifacts"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()
    report: dict[str, Any] = {"attempts": args.attempts}
    with ExitStack() as stack:
        if args.database:
            url = args.database
            email = asyncio.run(admin(url))
        else:
            url = stack.enter_context(fresh_database())
            t0 = time.monotonic()
            email = asyncio.run(generate(url, args.attempts))
            print(f"seeded {args.attempts} attempts in {time.monotonic() - t0:.0f} s")
        env = {
            **BENCH_LIMITS,
            "DATABASE_URL": url,
            "MLMOCK_ENV": "development",
            "MLMOCK_COOKIE_SECURE": "false",
            "MLMOCK_LOG_LEVEL": "WARNING",
        }
        lag_file = logs / "bench-analytics-lag.json"
        target = "app.asgi:app"
        if args.diagnose:
            from bench.import_diagnosis import WaitSampler

            target, env["MLMOCK_BENCH_LAG_FILE"] = "bench.lag_app:app", str(lag_file)
            lag_file.unlink(missing_ok=True)
        server = ExitStack()  # closed before the report, so the lag file is written
        stack.enter_context(server)
        port = server.enter_context(serve(target, env, logs / "bench-analytics-app.log"))
        sampler = server.enter_context(WaitSampler(url)) if args.diagnose else None
        timelines: dict[str, list[tuple[float, float]]] = {}
        cookie = sign_in(port, email)
        targets = asyncio.run(savers(url))
        pages = {
            "questions": ("/admin/analytics", [repo.QUESTION_TOTALS]),  # unfiltered: the totals
            "mentors": ("/admin/analytics/mentors", [repo.MENTORS, repo.TURNAROUND_BINS, repo.LEVEL_PAIRS]),
        }
        for name, (path, statements) in pages.items():
            sql = asyncio.run(bare_sql(url, statements, args.seconds))
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n".encode()

            async def together(request: bytes = request, name: str = name) -> tuple[Any, dict[str, Any]]:
                pages = run_load(
                    name,
                    "127.0.0.1",
                    port,
                    lambda i: request,
                    connections=1,
                    seconds=args.seconds,
                    warmup=2.0,
                    check=lambda status, body: status == 200,
                )
                saves = open_loop(port, url, targets, 100.0, args.seconds + 2.0)
                return await asyncio.gather(pages, saves)

            page, saves = asyncio.run(together())

            timeline = timelines.setdefault(name, [])

            async def cold(
                request: bytes = request, timeline: list[tuple[float, float]] = timeline
            ) -> tuple[list[float], dict[str, Any]]:
                pages = cold_pages(port, url, request, args.seconds, timeline)
                saves = open_loop(port, url, targets, 100.0, args.seconds)
                return await asyncio.gather(pages, saves)

            cold_ms, cold_saves = asyncio.run(cold())
            report[name] = {
                "sql_p50_ms": statistics.median(sql),
                "sql_p95_ms": pct(sql, 95),
                "page_p50_ms": page.p50,
                "page_p95_ms": pct(page.latencies_ms, 95),
                "pages": page.requests,
                "errors": page.errors,
                "autosave_p99_ms": saves["p99_ms"],
                "autosave_statuses": saves["statuses"],
                "cold_page_p50_ms": statistics.median(cold_ms) if cold_ms else None,
                "cold_page_p95_ms": pct(cold_ms, 95) if cold_ms else None,
                "cold_pages": len(cold_ms),
                "cold_autosave_p99_ms": cold_saves["p99_ms"],
                "cold_autosave_statuses": cold_saves["statuses"],
            }
            r = report[name]
            ok = r["page_p95_ms"] < 300 and r["autosave_p99_ms"] < 50 and r["cold_autosave_p99_ms"] < 50
            print(
                f"{name:<10} bare SQL        p50 {r['sql_p50_ms']:7.1f} ms  p95 {r['sql_p95_ms']:7.1f} ms\n"
                f"{'':<10} page (cached)   p50 {r['page_p50_ms']:7.1f} ms  p95 {r['page_p95_ms']:7.1f} ms  "
                f"({r['pages']} pages, {r['errors']} errors)   target p95 < 300 ms\n"
                f"{'':<10}   autosave at 100/s meanwhile: p99 {r['autosave_p99_ms']:.1f} ms "
                f"{r['autosave_statuses']}   target < 50 ms\n"
                f"{'':<10} page (cold)     p50 {r['cold_page_p50_ms'] or 0:7.1f} ms  "
                f"p95 {r['cold_page_p95_ms'] or 0:7.1f} ms  ({r['cold_pages']} pages, each recomputed)\n"
                f"{'':<10}   autosave at 100/s meanwhile: p99 {r['cold_autosave_p99_ms']:.1f} ms "
                f"{r['cold_autosave_statuses']}   target < 50 ms\n"
                f"{'':<10} {'meets' if ok else 'MISSES'} the targets",
                flush=True,
            )
        server.close()
        if args.diagnose and sampler is not None:
            lag = json.loads(lag_file.read_text())
            full = [ms for _, generation, ms in lag["collections"] if generation == 2]
            report["full_collections"] = {
                "count": len(full),
                "ms": round(sum(full)),
                "max_ms": max(full, default=0),
            }
            late = sum(ms for _, ms in lag["late"])
            print(
                f"app process: {len(full)} full collections ({sum(full):.0f} ms, longest "
                f"{max(full, default=0):.0f} ms), event loop late {late / 1000:.1f} s in all"
            )
            for name, timeline in timelines.items():
                slow = explain_slow_loads(timeline, lag, sampler.samples)
                report[name]["slow_cold_loads"] = slow
                print(f"{name}: {len(slow)} of {len(timeline)} cold loads slower than twice the median")
                for entry in slow:
                    print(f"  {entry}")
    report["seconds"] = round(time.monotonic() - started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "analytics.json").write_text(json.dumps(report, indent=2))
    print(f"(total run {report['seconds']} s; bench/results/analytics.json)")
