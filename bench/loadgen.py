"""A small closed-loop HTTP/1.1 load generator (keep-alive, N connections) on raw asyncio streams.

Cheaper per request than an HTTP client library, so on a small machine the generator is
not what limits the servers being compared.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(p / 100 * len(data)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    def line(self) -> str:
        return (
            f"{self.name:<34} {self.rps:8.1f} req/s   p50 {self.p50:7.2f} ms   p99 {self.pct(99):7.2f} ms"
            f"   ({self.requests} requests, {self.errors} errors)"
        )


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lname = name.strip().lower()
        if lname == b"content-length":
            length = int(value.strip())
        elif lname == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readline()).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def _worker(
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    stop_at: float,
    record: bool,
    latencies: list[float],
    counters: dict[str, int],
    check: Callable[[int, bytes], bool],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = 0
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(make_request(i))
            status, body = await _read_response(reader)
            elapsed = (time.perf_counter() - started) * 1000
            i += 1
            if record:
                if check(status, body):
                    latencies.append(elapsed)
                    counters["ok"] += 1
                else:
                    counters["errors"] += 1
    finally:
        writer.close()


async def run_load(
    name: str,
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    *,
    connections: int,
    seconds: float,
    warmup: float,
    check: Callable[[int, bytes], bool],
) -> Result:
    """Warm up, then run `connections` closed loops for `seconds`; latencies of good answers only."""
    for phase_seconds, record in ((warmup, False), (seconds, True)):
        latencies: list[float] = []
        counters = {"ok": 0, "errors": 0}
        started = time.perf_counter()
        stop_at = started + phase_seconds
        await asyncio.gather(
            *(
                _worker(host, port, make_request, stop_at, record, latencies, counters, check)
                for _ in range(connections)
            )
        )
        elapsed = time.perf_counter() - started
    return Result(name, counters["ok"], counters["errors"], elapsed, latencies)
