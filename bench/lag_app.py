"""The app with a loop-lag recorder, for `python -m bench import --diagnose` (never in production).

A task asks the event loop to wake it every millisecond and records how late each wake-up was:
any late wake-up is a stretch when no request could run (Python code on the loop, a thread or
a C call holding the GIL, a garbage collection). Full collections are timed too (gc.callbacks).
On shutdown both go as JSON to $MLMOCK_BENCH_LAG_FILE, in wall-clock time so the benchmark can
line them up with its own slow requests.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from app.asgi import app

TICK = 0.001
LATE_MS = 2.0  # wake-ups later than this are kept one by one

_inner = app.router.lifespan_context


@asynccontextmanager
async def _lifespan(application: Any) -> AsyncIterator[Any]:
    late: list[tuple[float, float]] = []  # (wall time, ms late)
    collections: list[tuple[float, int, float]] = []  # (wall time, generation, ms)
    ticks = 0
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif info["generation"] >= 1:
            ms = (time.perf_counter() - gc_started[0]) * 1000
            collections.append((time.time(), info["generation"], round(ms, 2)))

    async def ticker() -> None:
        nonlocal ticks
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            ms = (time.perf_counter() - before - TICK) * 1000
            ticks += 1
            if ms > LATE_MS:
                late.append((time.time(), round(ms, 2)))

    async with _inner(application) as state:
        gc.callbacks.append(on_gc)
        task = asyncio.create_task(ticker())
        try:
            yield state
        finally:
            task.cancel()
            gc.callbacks.remove(on_gc)
            path = os.environ.get("MLMOCK_BENCH_LAG_FILE")
            if path:  # at shutdown: blocking the loop no longer matters
                record = json.dumps({"ticks": ticks, "late": late, "collections": collections})
                await asyncio.to_thread(Path(path).write_text, record)


app.router.lifespan_context = _lifespan
