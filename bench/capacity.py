"""Capacity and overload of the autosave endpoint under `mlmock serve --workers N` (issue 17 goals 2, 3).

Called by `python -m bench autosave` (after the throughput phases, on the same database and
save targets). Open loop: requests are sent on a fixed schedule whatever the server answers, and
each latency is measured from its scheduled send time, so queueing shows.

- capacity: offered 200, 400, 600, … saves/s (coarser steps above 1,200/s) for `step_seconds`
  each; a step passes when p99 < 50 ms and fewer than 1 % of the saves are refused; the
  capacity is the highest passing rate below the first failing one.
- warm-up: `/readyz` answers as soon as one worker is up, while a second one may still be
  importing the app (on 2 cores it then takes a core from the first). Before stepping, the
  bench waits until every worker process has answered a request (it asks on fresh connections
  and looks up which process accepted each one in /proc), then sends `warmup_seconds` of saves
  at the first step's rate (again, at most WARMUP_PASSES times, until such a pass would pass),
  so each worker's pools and code paths are warm before the steps count. (The 2-worker table
  once read 0 saves/s with p50 45 ms at 200/s: mostly the ~40 ms Nagle/delayed-ACK wait of every
  answer under `--workers N`, fixed in app/cli.py `_run_workers`; partly the cold second worker.)
- overload: twice the 1-worker capacity for `seconds`: the accepted saves' p99 (target < 100 ms)
  and how fast the rest are refused with 503 + Retry-After (target p99 < 50 ms).

The load generator is Python (asyncio) on the same cores: above ~2,000 saves/s on a 2-core
machine it becomes a bottleneck of its own, which caps what the table can show.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from bench.autosave import RESULTS, Target, open_loop
from bench.scale import serve

CAPACITY_P99_MS = 50.0
OVERLOAD_ACCEPTED_P99_MS = 100.0
OVERLOAD_REFUSED_P99_MS = 50.0


WORKERS_TIMEOUT_S = 60.0
WARMUP_PASSES = 3


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def worker_pids(server: int, workers: int) -> list[int]:
    """The processes that serve requests: the server itself for one worker, else the
    supervisor's worker children (not the multiprocessing helpers it may start)."""
    if workers == 1:
        return [server]
    pids = []
    for child in _children(server):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in cmdline:
            pids.append(child)
    return pids


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of a loopback TCP connection (from /proc/net/tcp*)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return fields[9]
    return None


def _owner(pids: list[int], server_port: int, client_port: int) -> int | None:
    inode = _socket_inode(server_port, client_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


async def wait_for_workers(port: int, server: int, workers: int) -> float:
    """Seconds until each of the `workers` processes has answered a request (/healthz, on a new
    connection each time, kept open so the next one tends to land elsewhere)."""
    started = time.monotonic()
    served: set[int] = set()
    conns: list[asyncio.StreamWriter] = []
    try:
        while time.monotonic() - started < WORKERS_TIMEOUT_S:
            pids = worker_pids(server, workers)
            if len(pids) == workers and served >= set(pids):
                return time.monotonic() - started
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            conns.append(writer)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    (
                        h.split(b":")[1]
                        for h in head.split(b"\r\n")
                        if h.lower().startswith(b"content-length:")
                    ),
                    b"0",
                )
            )
            await reader.readexactly(length)
            owner = _owner(pids, port, writer.get_extra_info("sockname")[1])
            if owner is not None:
                served.add(owner)
            if len(conns) >= 32:  # a worker still starting accepts nothing: give the other a rest
                for w in conns:
                    w.close()
                conns.clear()
                await asyncio.sleep(0.2)
        raise SystemExit(
            f"only {len(served)} of {workers} worker processes answered in {WORKERS_TIMEOUT_S:g} s"
        )
    finally:
        for w in conns:
            w.close()


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
    url: str,
    targets: list[Target],
    workers: list[int],
    step_seconds: float,
    max_rate: float,
    warmup_seconds: float = 2.0,
) -> dict[str, Any]:
    table: dict[str, Any] = {}
    print(
        f"capacity (open loop, {step_seconds:g} s per step after {warmup_seconds:g} s of warm-up once every "
        f"worker answered; passes: p99 < {CAPACITY_P99_MS:g} ms, < 1 % refused)"
    )
    for n in workers:
        steps = []
        capacity = 0.0
        with serve(url, n, RESULTS / "capacity-servers.log", with_pid=True) as (port, server):
            ready = asyncio.run(wait_for_workers(port, server, n))
            for _ in range(WARMUP_PASSES):  # until a pass at the first step's rate would pass
                warm = asyncio.run(open_loop(port, url, targets, rates(max_rate)[0], warmup_seconds))
                if _passes(warm):
                    break
            print(
                f"  --workers {n}: every worker answered {ready:.1f} s after /readyz; warm-up p50 "
                f"{warm['p50_ms']} ms p99 {warm['p99_ms']} ms (load average {os.getloadavg()[0]:.1f})"
            )
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
        table[f"workers_{n}"] = {
            "capacity": capacity,
            "steps": steps,
            "workers_answered_after_s": round(ready, 1),
            "warmup": {k: warm[k] for k in ("rate", "requests", "p50_ms", "p99_ms")},
            "load_average": round(os.getloadavg()[0], 1),
        }
    print(
        "capacity (highest rate with p99 < 50 ms): "
        + ", ".join(
            f"{key.replace('workers_', '')} worker(s): {value['capacity']:.0f} saves/s"
            for key, value in table.items()
        )
    )
    return table


def overload(
    url: str, targets: list[Target], table: dict[str, Any], seconds: float, rate: float | None = None
) -> dict[str, Any]:
    """Offered `rate` (default: twice the 1-worker capacity) for `seconds` against one worker."""
    capacity = table.get("workers_1", {}).get("capacity") or 200.0
    rate = rate or 2 * capacity
    with serve(url, 1, RESULTS / "capacity-servers.log") as port:
        asyncio.run(open_loop(port, url, targets, 200.0, 1.0))
        result = asyncio.run(open_loop(port, url, targets, rate, seconds))
    accepted_ok = (
        result["accepted_p99_ms"] is not None and result["accepted_p99_ms"] < OVERLOAD_ACCEPTED_P99_MS
    )
    refused_ok = result["refused_p99_ms"] is None or result["refused_p99_ms"] < OVERLOAD_REFUSED_P99_MS
    result["meets"] = accepted_ok and refused_ok
    print(
        f"overload (1 worker, {rate:.0f}/s, 1-worker capacity {capacity:.0f}/s, {seconds:g} s): accepted {result['accepted']} "
        f"p99 {result['accepted_p99_ms']} ms (target < {OVERLOAD_ACCEPTED_P99_MS:g}); refused (503/429) "
        f"{result['refused']} p99 {result['refused_p99_ms']} ms (target < {OVERLOAD_REFUSED_P99_MS:g})  "
        f"{result['refused_reasons']} → {'meets' if result['meets'] else 'MISSES'} the target"
    )
    return result
