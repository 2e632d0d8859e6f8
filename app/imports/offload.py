"""Where an import's CPU work runs: a separate process for big files, a worker thread for small ones.

Parsing, Markdown/LaTeX rendering and hashing thousands of questions is seconds of pure Python.
In a worker thread it still shares the server's GIL with the event loop: every time the loop
waits for I/O the thread takes the interpreter, and the loop gets it back only after the switch
interval (5 ms), several times per request, so every candidate's autosave slowed down for the
whole import (issue 12). In a separate process it shares nothing: the bytes go in, the parsed
and rendered result comes back pickled, and unpickling happens in the executor's own thread.

The pool is per server process, started on first use (spawn: a clean interpreter, never a
fork of a process with threads and an event loop), at most WORKERS processes at a lower CPU
priority (nice 10), kept for the next import. A small file is cheaper in a thread than its
round trip to a process. Spawn needs the main module guarded by `if __name__ == "__main__"`
(uvicorn, the mlmock CLI and pytest are).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import anyio

T = TypeVar("T")

PROCESS_MIN_BYTES = 256 * 1024  # ~2,000 short GIFT questions: below this a thread is cheaper
WORKERS = 2
NICE = 10  # a parse runs at a lower CPU priority than the server and Postgres


def _lower_priority() -> None:
    """In each worker: on a 2-core machine a full-speed parse would take a core from the server."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICE)


_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=WORKERS,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority,
        )
    return _pool


async def run_cpu(fn: Callable[..., T], *args: Any, size: int) -> T:
    """`fn(*args)` off the event loop: in the process pool when the input has `size` >= PROCESS_MIN_BYTES.

    `fn` must be a module-level function and its arguments and result picklable."""
    global _pool
    if size < PROCESS_MIN_BYTES:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args))
    try:
        return await _in_process(fn, *args)
    except BrokenProcessPool:
        # a worker died (killed, out of memory): start a fresh pool and try once more
        _pool = None
        return await _in_process(fn, *args)


async def _in_process(fn: Callable[..., T], *args: Any) -> T:
    # submit() may start a worker process (fork + exec): tens of ms, so from a thread, not the loop
    future = await anyio.to_thread.run_sync(lambda: _executor().submit(fn, *args))
    return await asyncio.wrap_future(future)
