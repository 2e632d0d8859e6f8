"""`make bench`: every benchmark in turn, each timed, with a summary for the README (issue 17 goal 6).

Runs `python -m bench NAME` for each name in `ORDER` (a subprocess each, so one failing or
hanging benchmark is reported and bounded, and the rest still run), then writes
`bench/results/bench-run.json` (date, machine, load average, each run's duration and exit code,
the total; target: under 10 minutes) and prints a Markdown table of the durations and the
headline figures found in the benchmarks' own `bench/results/*.json`, ready to paste into the
README with its date and machine.

    python -m bench all [--only autosave,search] [--timeout 900] [--full]

`make bench` runs each benchmark with the arguments in `PLAN` (shorter measured phases and
warm-ups than the benchmarks' own defaults; the analytics bank at 30,000 attempts instead of the
100,000 of issue 18, whose seeding alone takes ~265 s on a quiet 2-core machine) so the whole run
fits in 10 minutes; every run records its arguments in bench-run.json. `--full` runs each
benchmark with its own defaults (the issues' full scales: ~15 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from typing import Any

from app.config import ROOT

RESULTS = ROOT / "bench" / "results"
ORDER = ["questions", "autosave", "import", "analytics", "search", "live"]
TARGET_SECONDS = 600
# What `make bench` passes to each benchmark (see the module doc). Estimated quiet-machine
# durations: questions ~50 s, autosave ~140 s (its capacity table now waits until every worker
# answered, then warms up: ~5-15 s more), import ~60 s, analytics ~130 s (seeding ~80 s),
# search ~130 s (its 100,000-question seed is a figure of its own: kept), live ~45 s.
PLAN: dict[str, list[str]] = {
    "questions": ["--seconds", "4", "--warmup", "1"],
    "autosave": ["--seconds", "5", "--warmup", "1", "--step-seconds", "3"],
    "import": [],
    "analytics": ["--attempts", "30000", "--seconds", "6"],
    "search": [],
    "live": ["--seconds", "6", "--warmup", "2"],  # the drain stays: a late event counts as lost
}


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def _headline(name: str, since: float) -> str:
    """A benchmark's key figures from the results file it wrote in this run, if we know its shape."""
    path = RESULTS / f"{name}.json"
    try:
        if path.stat().st_mtime < since:
            return ""  # left over from an earlier run
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return ""
    if name == "autosave":
        cap = data.get("capacity", {})
        over = data.get("overload", {})
        return (
            f"ratio {data.get('ratio_psycopg')} to psycopg, {data.get('ratio_fastest')} to the fastest "
            f"({data.get('fastest')}); capacity "
            + ", ".join(f"{k.split('_')[1]} worker(s) {v.get('capacity'):.0f}/s" for k, v in cap.items())
            + f"; 2× capacity: accepted p99 {over.get('accepted_p99_ms')} ms, refused p99 "
            f"{over.get('refused_p99_ms')} ms"
        )
    if name == "questions":
        fragment = data.get("connections_8", {}).get("app: list fragment (htmx)", {})
        return (
            f"list fragment {fragment.get('ratio_to_baseline')}× the Starlette baseline's req/s "
            f"(8 connections, {data.get('questions')} questions; target ≥ 0.90)"
        )
    if name == "live":
        return "; ".join(
            f"{run}: p50 {r.get('delivery_p50_ms')} / p99 {r.get('delivery_p99_ms')} ms, lost {r.get('lost')}"
            for run, r in data.get("runs", {}).items()
        )
    return ""


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench all", description=__doc__)
    parser.add_argument("--only", default=",".join(ORDER), help="comma-separated benchmarks to run")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds before one benchmark is stopped"
    )
    parser.add_argument("--full", action="store_true", help="each benchmark's own defaults, not PLAN")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    run: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": _machine(),
        "load_average_at_start": round(os.getloadavg()[0], 1),
        "benchmarks": {},
    }
    started = time.monotonic()
    for name in args.only.split(","):
        t0, wall = time.monotonic(), time.time()
        # its own process group: a benchmark stopped at the timeout takes its servers and wrk along
        extra = [] if args.full else PLAN.get(name, [])
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench", name, *extra], cwd=ROOT, start_new_session=True
        )
        try:
            code = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
            code = -1
        seconds = round(time.monotonic() - t0, 1)
        run["benchmarks"][name] = {
            "seconds": seconds,
            "exit_code": code,
            "arguments": extra,
            "headline": _headline(name, wall),
        }
        print(f"== bench {name}: {seconds:.0f} s (exit {code})", flush=True)
    total = round(time.monotonic() - started, 1)
    run["total_seconds"] = total
    failed = any(entry["exit_code"] != 0 for entry in run["benchmarks"].values())
    run["meets_target"] = total < TARGET_SECONDS and not failed
    (RESULTS / "bench-run.json").write_text(json.dumps(run, indent=2))
    print(
        f"\n`make bench` on {run['date']}, {run['machine']}, load average {run['load_average_at_start']}:\n"
    )
    print("| benchmark | duration | headline |\n|---|---|---|")
    for name, entry in run["benchmarks"].items():
        status = "" if entry["exit_code"] == 0 else f" (exit {entry['exit_code']})"
        shown = " ".join([name, *entry["arguments"]])
        print(f"| {shown} | {entry['seconds']:.0f} s{status} | {entry['headline']} |")
    verdict = "meets" if run["meets_target"] else "MISSES"
    print(f"| **total** | **{total:.0f} s** | {verdict} the target (< {TARGET_SECONDS // 60} min) |")
    if failed:
        raise SystemExit(1)
