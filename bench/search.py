"""Search benchmark: the candidate list `/questions?q=…` and the admin list `/admin/questions?q=…`
over 100,000 synthetic questions, one request at a time (p50/p95 per term, after `WARMUP`
requests), beside the bare SQL of the same statement (psycopg, no app). Also times `mlmock seed --synthetic N` (the bulk path) and
shows whether a prefix query's plan reads the versions with a sequential scan. The tables are
vacuumed (and analysed) after the seed, as autovacuum would have done on a running database.

Then the lists without a search (`LISTS`): the candidate's `/questions` (in topic order) and the
admin's list (newest first) unfiltered — first page, page 50 and the last page — and filtered by one
topic, one area, a kind or a difficulty.

Targets (issue 17): p95 < 10 ms for a selective term, < 50 ms for a common one; seed < 2 min.

    python -m bench search [--count 100000] [--requests 25] [--url postgresql://…/existing_db]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from typing import Any

import httpx
import psycopg
from sqlalchemy.dialects import postgresql

from app.config import ROOT
from bench import BENCH_LIMITS
from bench.questions import PASSWORD, _libpq, fresh_database, serve, sign_in

RESULTS = ROOT / "bench" / "results"
# selective: one title number; common: a word in about a fifth of the synthetic prompts;
# prefixes: the word being typed; none: matches nothing
TERMS = {
    "selective": "4242",
    "common": "gradient",
    "prefix (common)": "gradi",
    "prefix (selective)": "synthetic 4242",
    "none": "heteroscedastic",
}
# lists without a search: `page: "last"` is the list's last page; `topic`/`area` are resolved to
# the first leaf topic and the first area in display order
LISTS: dict[str, dict[str, Any]] = {
    "unfiltered": {},
    "page 50": {"page": 50},
    "last page": {"page": "last"},
    "one topic": {"topic": "topic"},
    "one area": {"topic": "area"},
    "kind": {"kind": "numeric"},
    "difficulty": {"difficulty": 2},
}


# Requests before the measured ones, for the pages and the bare SQL alike: past the one-offs of a
# statement's first executions on a connection, which a running server's pool has long behind it.
# psycopg prepares a statement at its 6th execution (an extra round trip: the first search page of a
# fresh server prepares its rate-limit hit, list and topics statements in one request), and Postgres
# plans a prepared statement's generic plan once at its 6th execution (the 11th request). With 3
# warm-up requests both fell among the 25 measured: two outliers, and p95 of 25 is the second
# highest (the first term measured, the candidate's selective search, paid them for every statement).
WARMUP = 12


def pct(data: list[float], p: float) -> float:
    s = sorted(data)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


async def add_users(url: str) -> dict[str, str]:
    """An admin and a candidate (same throwaway password); returns role → email."""
    from app.auth import service
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    emails = {}
    try:
        async with make_sessionmaker(engine)() as s:
            for role, roles in (("admin", ["candidate", "admin"]), ("candidate", ["candidate"])):
                emails[role] = f"search-bench-{role}-{time.time_ns()}@example.org"
                await service.create_user(
                    s, email=emails[role], display_name=f"Bench {role}", password=PASSWORD, roles=roles
                )
            await s.commit()
    finally:
        await engine.dispose()
    return emails


def bare_sql(url: str, params: dict[str, Any], *, published_only: bool, n: int) -> tuple[list[float], bool]:
    """Latencies (ms) of the list statement alone, and whether its plan scans question_version."""
    from app.questions.repository import list_statement
    from app.questions.schemas import ListParams

    if published_only and not params.get("q") and not params.get("sort"):
        params = {**params, "sort": "topic"}  # what the candidate's page asks for (routes.practice_list)
    stmt = list_statement(ListParams.model_validate(params), published_only=published_only)
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    times = []
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN {sql}").fetchall())
        for i in range(n + WARMUP):
            t0 = time.perf_counter()
            conn.execute(sql).fetchall()
            if i >= WARMUP:
                times.append((time.perf_counter() - t0) * 1000)
    return times, "Seq Scan on question_version" in plan


def pages(port: int, cookie: str, path: str, params: dict[str, Any], n: int) -> list[float]:
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Cookie": cookie}, timeout=30) as c:
        for i in range(n + WARMUP):
            t0 = time.perf_counter()
            r = c.get(path, params=params)
            elapsed = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{path}?{params}: {r.status_code} {r.text[:300]}")
            if i >= WARMUP:
                times.append(elapsed)
    return times


def list_values(url: str) -> dict[str, dict[str, Any]]:
    """Per role, the values `LISTS` names: the last page (50 a page) and topic ids."""
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        everyone, published = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'published') FROM question"
        ).fetchone() or (0, 0)
        order = "ORDER BY position, name, id LIMIT 1"
        area = conn.execute(f"SELECT id FROM topic WHERE parent_id IS NULL {order}").fetchone()
        topic = conn.execute(f"SELECT id FROM topic WHERE parent_id = %s {order}", area).fetchone()
    common = {"topic": topic[0] if topic else None, "area": area[0] if area else None}
    return {
        "candidate": {**common, "last": max(1, -(-published // 50))},
        "admin": {**common, "last": max(1, -(-everyone // 50))},
    }


def measure(url: str, port: int, role: str, cookie: str, params: dict[str, Any], n: int) -> dict[str, Any]:
    """The page (signed in as `role`) and its bare SQL, p50/p95 in ms."""
    path = "/questions" if role == "candidate" else "/admin/questions"
    sql, seq_scan = bare_sql(url, params, published_only=role == "candidate", n=n)
    page = pages(port, cookie, path, params, n)
    return {
        "page_p50_ms": round(statistics.median(page), 1),
        "page_p95_ms": round(pct(page, 95), 1),
        "sql_p50_ms": round(statistics.median(sql), 1),
        "sql_p95_ms": round(pct(sql, 95), 1),
        "seq_scan_on_question_version": seq_scan,
    }


def show(label: str, role: str, r: dict[str, Any]) -> None:
    print(
        f"{label:<19} {role:<9} page p50 {r['page_p50_ms']:6.1f} ms  p95 {r['page_p95_ms']:6.1f} ms"
        f"   bare SQL p50 {r['sql_p50_ms']:6.1f} ms  p95 {r['sql_p95_ms']:6.1f} ms"
        f"{'   (Seq Scan on question_version)' if r['seq_scan_on_question_version'] else ''}",
        flush=True,
    )


def load_average() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "unknown"


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench search", description=__doc__)
    ap.add_argument("--count", type=int, default=100_000, help="synthetic questions (default 100000)")
    ap.add_argument("--requests", type=int, default=25, help="measured requests per term and page")
    ap.add_argument("--url", help="an existing database seeded with --count questions (skips the seed)")
    ap.add_argument("--only", choices=("terms", "lists"), help="measure only the searches or only the lists")
    args = ap.parse_args(argv)
    logs = ROOT / "test-artifacts"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()
    report: dict[str, Any] = {"count": args.count, "load_average_before": load_average(), "terms": {}}
    with ExitStack() as stack:
        url = args.url or stack.enter_context(fresh_database())
        env = {**os.environ, "DATABASE_URL": url}
        if not args.url:
            subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, check=True, timeout=600)
            t0 = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "app.cli", "seed", "--synthetic", str(args.count)],
                env=env,
                check=True,
                timeout=1800,
            )
            report["seed_seconds"] = round(time.monotonic() - t0, 1)
            print(f"mlmock seed --synthetic {args.count}: {report['seed_seconds']} s (target < 120 s)")
        # the tables as a running database keeps them, not as the load left them: the seed sets each
        # question's current version after inserting it (a dead row version per question), and the
        # visibility map is empty until a vacuum (index-only counts read the table instead). Autovacuum
        # does this within a minute of a seed, but it is off on the shared server: at 100,000
        # questions the candidate's unfiltered list took 263 ms of SQL unvacuumed, 20 ms after
        # (bare SQL p50, under load).
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        emails = asyncio.run(add_users(url))
        serve_env = {
            **BENCH_LIMITS,
            "DATABASE_URL": url,
            "MLMOCK_ENV": "development",
            "MLMOCK_COOKIE_SECURE": "false",
            "MLMOCK_LOG_LEVEL": "WARNING",
        }
        port = stack.enter_context(serve("app.asgi:app", serve_env, logs / "bench-search-app.log"))
        cookies = {role: sign_in(port, email) for role, email in emails.items()}
        print(f"\n{args.requests} requests each, one at a time (load average {load_average()})")
        for label, q in TERMS.items() if args.only != "lists" else ():
            row: dict[str, Any] = {"q": q}
            for role in ("candidate", "admin"):
                row[role] = measure(url, port, role, cookies[role], {"q": q}, args.requests)
                show(label, role, row[role])
            report["terms"][label] = row
        print("\nlists without a search: candidate in topic order, admin newest first")
        values = list_values(url)
        report["lists"] = {}
        for label, spec in LISTS.items() if args.only != "terms" else ():
            row = {}
            for role in ("candidate", "admin"):
                params = {k: values[role].get(v, v) if isinstance(v, str) else v for k, v in spec.items()}
                row[role] = {"params": params} | measure(
                    url, port, role, cookies[role], params, args.requests
                )
                show(f"list {label}", role, row[role])
            report["lists"][label] = row
    report["load_average_after"] = load_average()
    report["seconds"] = round(time.monotonic() - started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(report, indent=2))
    print(f"(total run {report['seconds']} s; bench/results/search.json)")
