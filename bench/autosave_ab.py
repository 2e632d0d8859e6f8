"""Before/after of the autosave endpoint on a shared machine: two checkouts, alternating slices.

`python -m bench autosave_ab --base DIR [--rates 400,800] [--reps 6] [--slice 3]` starts
`mlmock serve --workers 1` from this checkout ("after") and from DIR ("before", e.g. a
`git worktree add --detach DIR main`) on one fresh database, warms both, then sends open-loop
slices of `--slice` seconds at each rate, alternating the servers (and which one goes first, rep
by rep), so both meet the same load of the machine, which on a shared machine moves within
seconds. Prints each slice and, per rate and server, the medians over the reps: p99 of all
answers, of the accepted ones and of the refused ones (503/429), the refused share, and in how
many slices the capacity rule (p99 < 50 ms, < 1 % refused) held. Writes
`bench/results/autosave-ab.json`. Made for the admission rule (issue 17 goal 3): a run of the
whole `bench autosave` per checkout is minutes apart, longer than the machine stays the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.config import ROOT
from bench.autosave import RESULTS, open_loop, prepare
from bench.capacity import CAPACITY_P99_MS
from bench.questions import fresh_database
from bench.scale import serve


@contextmanager
def server(checkout: Path, url: str, log: Path) -> Iterator[int]:
    """`mlmock serve --workers 1` run from `checkout` (its own code), once /readyz answers."""
    with serve(url, 1, log, cwd=checkout) as port:
        yield port


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(row[key] or 0.0 for row in rows), 1)


def summary(rows: list[dict[str, Any]], rates: list[float], seconds: float) -> list[dict[str, Any]]:
    out = []
    for rate in rates:
        for name in ("before", "after"):
            slices = [r for r in rows if r["rate"] == rate and r["name"] == name]
            share = statistics.median(r["refused"] / r["requests"] for r in slices)
            out.append(
                {
                    "rate": rate,
                    "name": name,
                    "p99_ms": _median(slices, "p99_ms"),
                    "accepted_p99_ms": _median(slices, "accepted_p99_ms"),
                    "refused_p99_ms": _median(slices, "refused_p99_ms"),
                    "refused_share": round(share, 4),
                    "accepted_per_s": round(statistics.median(r["accepted"] for r in slices) / seconds),
                    "slices": len(slices),
                    "slices_within_capacity": sum(
                        1
                        for r in slices
                        if r["p99_ms"] < CAPACITY_P99_MS and r["refused"] < 0.01 * r["requests"]
                    ),
                }
            )
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench autosave_ab", description=__doc__)
    parser.add_argument("--base", required=True, type=Path, help='the "before" checkout (a worktree)')
    parser.add_argument("--rates", default="400,800", help="offered rates (saves/s), comma-separated")
    parser.add_argument("--reps", type=int, default=6, help="slices per rate and server")
    parser.add_argument("--slice", type=float, default=3.0, help="seconds per slice")
    args = parser.parse_args(argv)
    rates = [float(r) for r in args.rates.split(",")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / "autosave-ab-servers.log"
    rows: list[dict[str, Any]] = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with fresh_database() as url:
        targets, _ = asyncio.run(prepare(url))
        with server(args.base.resolve(), url, log) as before, server(ROOT, url, log) as after:
            ports = {"before": before, "after": after}
            for port in ports.values():  # warm-up: pools, prepared statements, cold paths
                asyncio.run(open_loop(port, url, targets, 200.0, 2.0))
            for rep in range(args.reps):
                order = ("before", "after") if rep % 2 == 0 else ("after", "before")
                for rate in rates:
                    for name in order:
                        result = asyncio.run(open_loop(ports[name], url, targets, rate, args.slice))
                        row = {
                            "rep": rep,
                            "name": name,
                            "load_average": round(os.getloadavg()[0], 1),
                            **result,
                        }
                        rows.append(row)
                        print(
                            f"rep {rep} {rate:5.0f}/s {name:6} load {row['load_average']:4.1f}  p99 {result['p99_ms']} ms  "
                            f"accepted {result['accepted']} p99 {result['accepted_p99_ms']} ms  "
                            f"refused {result['refused']} p99 {result['refused_p99_ms']} ms",
                            flush=True,
                        )
    table = summary(rows, rates, args.slice)
    print(f"medians over {args.reps} slices of {args.slice:g} s each:")
    for s in table:
        print(
            f"  {s['rate']:5.0f}/s {s['name']:6}: p99 {s['p99_ms']} ms, accepted p99 {s['accepted_p99_ms']} ms, "
            f"refused p99 {s['refused_p99_ms']} ms, refused {s['refused_share']:.1%}, accepted {s['accepted_per_s']}/s; "
            f"within the capacity rule in {s['slices_within_capacity']} of {s['slices']} slices"
        )
    report = {
        "date": started,
        "base": str(args.base),
        "slice_seconds": args.slice,
        "summary": table,
        "slices": rows,
    }
    (RESULTS / "autosave-ab.json").write_text(json.dumps(report, indent=2))
