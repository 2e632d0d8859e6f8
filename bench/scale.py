"""Scale-out benchmark: the autosave load against `mlmock serve --workers 1` and `--workers 2`.

The same prepared database and save targets as `python -m bench autosave` (real sessions, CSRF,
ownership/state/deadline checks, the guarded upsert), served by the production command with
N uvicorn worker processes (so the budget check, the multiprocess metrics and N pools are all
in the path). For each N:

1. closed loop (wrk, 2 threads × 32 connections): req/s and wrk's p99 at saturation;
2. open loop at a fixed offered rate (default 200 saves/s): p50/p99 from each request's
   scheduled send time.

On a 2-core machine the load generator shares the cores with the server and Postgres, so
the second worker shows how much headroom one process leaves, not linear scaling. Run it on a
quiet machine; `--seconds 2` is a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from app.config import ROOT
from bench import BENCH_LIMITS
from bench.autosave import RESULTS, Target, _lua, _run_id, open_loop, prepare, stored_revisions
from bench.questions import _free_port, fresh_database


@contextmanager
def serve(url: str, workers: int, log: Path, *, with_pid: bool = False, cwd: Path = ROOT) -> Iterator[Any]:
    """`mlmock serve --workers N` on a free port, once /readyz answers (which only says one
    worker is up: see bench/capacity.py `wait_for_workers`). Yields the port (`with_pid`: the
    port and the serving process's id, uvicorn's supervisor when N > 1). `cwd`: the checkout
    whose code it serves (`-m app.cli` imports the app of the working directory)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(BENCH_LIMITS)
    env.update(DATABASE_URL=url, MLMOCK_ENV="test", MLMOCK_PORT=str(port), MLMOCK_LOG_LEVEL="WARNING")
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--workers", str(workers)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise SystemExit(f"mlmock serve --workers {workers} in {cwd} exited: see {log}")
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            yield (port, proc.pid) if with_pid else port
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def wrk_p99(
    port: int, db_url: str, targets: list[Target], seconds: int, connections: int = 32
) -> dict[str, Any]:
    """wrk closed loop: req/s and the p99 of its latency distribution (ms)."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(_lua(targets, stored_revisions(db_url, targets)))  # compare-and-swap bases
    threads = 2
    url = f"http://127.0.0.1:{port}"
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    out = subprocess.run(
        [*command, url, "--", str(threads), str(_run_id())],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    script.unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else None,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each measured phase")
    parser.add_argument("--rate", type=float, default=200.0, help="offered rate for the open loop (saves/s)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    counts = [int(n) for n in args.workers.split(",")]
    report: dict[str, Any] = {"cores": os.cpu_count(), "rate": args.rate, "seconds": args.seconds}
    with fresh_database() as url:
        targets, _ = asyncio.run(prepare(url))
        print(f"prepared {len(targets)} answer slots; {os.cpu_count()} cores")
        for n in counts:
            with serve(url, n, RESULTS / "scale-servers.log") as port:
                wrk_p99(port, url, targets, min(3, args.seconds))  # warm-up: every worker's pools
                closed = wrk_p99(port, url, targets, args.seconds)
                opened = asyncio.run(open_loop(port, url, targets, args.rate, args.seconds))
            report[f"workers_{n}"] = {"closed_loop": closed, "open_loop": opened}
            print(
                f"--workers {n}: {closed['rps']:8.1f} req/s, p99 {closed['p99_ms']} ms (closed loop, "
                f"{closed['non_2xx']} non-2xx)   at {args.rate:.0f}/s: p50 {opened['p50_ms']} ms, "
                f"p99 {opened['p99_ms']} ms  {opened['statuses']}"
            )
    if len(counts) > 1:
        base = report[f"workers_{counts[0]}"]["closed_loop"]["rps"]
        for n in counts[1:]:
            factor = report[f"workers_{n}"]["closed_loop"]["rps"] / base
            report[f"speedup_{n}"] = round(factor, 2)
            print(f"{n} workers / {counts[0]} worker: {factor:.2f}× the throughput")
    (RESULTS / "scale.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
