"""Capacity and overload of the autosave endpoint under `mlmock serve --workers N` (issue 17 goals 2, 3).

Called by `python -m bench autosave` (after the throughput phases, on the same database and
save targets). Open loop: requests are sent on a fixed schedule whatever the server answers, and
each latency is measured from its scheduled send time, so queueing shows.

- capacity: offered 200, 400, 600, … saves/s (coarser steps above 1,200/s) for `step_seconds`
  each; a step passes when p99 < 50 ms and fewer than 1 % of the saves are refused; the
  capacity is the highest passing rate below the first failing one.
- overload: twice the 1-worker capacity for `seconds`: the accepted saves' p99 (target < 100 ms)
  and how fast the rest are refused with 503 + Retry-After (target p99 < 50 ms).

The load generator is Python (asyncio) on the same cores: above ~2,000 saves/s on a 2-core
machine it becomes a bottleneck of its own, which caps what the table can show.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.autosave import RESULTS, Target, open_loop
from bench.scale import serve

CAPACITY_P99_MS = 50.0
OVERLOAD_ACCEPTED_P99_MS = 100.0
OVERLOAD_REFUSED_P99_MS = 50.0


def rates(max_rate: float) -> list[float]:
    steps = [200.0 * n for n in range(1, 7)]  # 200 … 1,200
    rate = 1600.0
    while rate <= max_rate:
        steps.append(rate)
        rate *= 1.25
    return [r for r in steps if r <= max_rate]


def _passes(step: dict[str, Any]) -> bool:
    refused_share = step["refused"] / max(step["requests"], 1)
    return step["p99_ms"] is not None and step["p99_ms"] < CAPACITY_P99_MS and refused_share < 0.01


def capacity_table(
    url: str, targets: list[Target], workers: list[int], step_seconds: float, max_rate: float
) -> dict[str, Any]:
    table: dict[str, Any] = {}
    print(
        f"capacity (open loop, {step_seconds:g} s per step; passes: p99 < {CAPACITY_P99_MS:g} ms, < 1 % refused)"
    )
    for n in workers:
        steps = []
        capacity = 0.0
        with serve(url, n, RESULTS / "capacity-servers.log") as port:
            asyncio.run(open_loop(port, url, targets, 200.0, 1.0))  # warm-up: every worker's pools
            for rate in rates(max_rate):
                step = asyncio.run(open_loop(port, url, targets, rate, step_seconds))
                ok = _passes(step)
                steps.append({**step, "passes": ok})
                print(
                    f"  --workers {n}  {rate:6.0f}/s  p50 {step['p50_ms']} ms  p99 {step['p99_ms']} ms  "
                    f"refused {step['refused']}/{step['requests']} {step['refused_reasons'] or ''}  {'ok' if ok else 'over'}"
                )
                if not ok:
                    break
                capacity = rate
        table[f"workers_{n}"] = {"capacity": capacity, "steps": steps}
    print(
        "capacity (highest rate with p99 < 50 ms): "
        + ", ".join(
            f"{key.replace('workers_', '')} worker(s): {value['capacity']:.0f} saves/s"
            for key, value in table.items()
        )
    )
    return table


def overload(url: str, targets: list[Target], table: dict[str, Any], seconds: float) -> dict[str, Any]:
    capacity = table.get("workers_1", {}).get("capacity") or 200.0
    rate = 2 * capacity
    with serve(url, 1, RESULTS / "capacity-servers.log") as port:
        asyncio.run(open_loop(port, url, targets, 200.0, 1.0))
        result = asyncio.run(open_loop(port, url, targets, rate, seconds))
    accepted_ok = (
        result["accepted_p99_ms"] is not None and result["accepted_p99_ms"] < OVERLOAD_ACCEPTED_P99_MS
    )
    refused_ok = result["refused_p99_ms"] is None or result["refused_p99_ms"] < OVERLOAD_REFUSED_P99_MS
    result["meets"] = accepted_ok and refused_ok
    print(
        f"overload (1 worker, {rate:.0f}/s = 2 × capacity, {seconds:g} s): accepted {result['accepted']} "
        f"p99 {result['accepted_p99_ms']} ms (target < {OVERLOAD_ACCEPTED_P99_MS:g}); refused (503/429) "
        f"{result['refused']} p99 {result['refused_p99_ms']} ms (target < {OVERLOAD_REFUSED_P99_MS:g})  "
        f"{result['refused_reasons']} → {'meets' if result['meets'] else 'MISSES'} the target"
    )
    return result
