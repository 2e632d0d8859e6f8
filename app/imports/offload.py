"""Where an import's CPU work runs: a separate process for big files, a worker thread for small ones.

Parsing, Markdown/LaTeX rendering and hashing thousands of questions is seconds of pure Python.
In a worker thread it still shares the server's GIL with the event loop: every time the loop
waits for I/O the thread takes the interpreter, and the loop gets it back only after the switch
interval (5 ms), several times per request, so every candidate's autosave slowed down for the
whole import (issue 12). In a separate process it shares nothing: the bytes go in, the parsed
and rendered result comes back pickled, and unpickling happens in the executor's own thread.

A big result never comes back as one pickle: unpickling 10,000 parsed questions (12 MB) is one C
call that holds the GIL for hundreds of milliseconds, in the executor's thread, and the event
loop waits all that time. `pack` pickles a list in slices in the worker; `unpack` unpickles one
slice per turn of the loop.

The pool is per server process (spawn: a clean interpreter, never a fork of a process with
threads and an event loop), at most WORKERS processes at a lower CPU priority (nice 10), kept for
the next import. A server starts it with one worker in its lifespan (`start`): that worker imports
the parsing modules while nothing is being imported, and the first import's parse begins at once
instead of after a new interpreter has started (seconds on a loaded machine, within the import's
window). Other users (the CLI, tests) start it on first use. A small file is cheaper in a thread
than its round trip to a process. Spawn needs the main module guarded by
`if __name__ == "__main__"` (uvicorn, the mlmock CLI and pytest are).

A worker never outlives the process that started it. Waiting for work, a worker blocks on a
queue whose write end it holds itself, so it would never notice its parent being killed (kill -9,
os._exit, out of memory): it stayed behind, holding the server's stdout/stderr open, and whoever
read those (CI, a benchmark) waited forever. Each worker runs a watcher thread that ends it
(os._exit) as soon as the parent is gone; a normal shutdown (the app's lifespan) stops the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import multiprocessing
import os
import pickle
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import anyio

T = TypeVar("T")

PACK_SLICE = 50  # items per pickle: a slice of parsed questions unpickles in ~1-3 ms
PROCESS_MIN_BYTES = 256 * 1024  # ~2,000 short GIFT questions: below this a thread is cheaper
WORKERS = 2
NICE = 10  # a parse runs at a lower CPU priority than the server and Postgres


def _start_worker(parent: int) -> None:
    """In each worker: a lower priority (on a 2-core machine a full-speed parse would take a core
    from the server), and a watcher that ends this worker when `parent` is gone."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICE)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """Block until the process `parent` has ended, then end this process at once."""
    try:
        handle: int | None = os.pidfd_open(parent)  # Linux: readable once the process has ended
    except (OSError, AttributeError):
        handle = None
    # checked after opening: a parent that died before, or whose pid was reused, is noticed here
    if os.getppid() == parent:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while os.getppid() == parent:
                time.sleep(0.5)
    os._exit(70)


_pool: ProcessPoolExecutor | None = None
_warming: Future[None] | None = None  # the warm-up of start(); the first import waits for it
WARM_MODULES = ("app.imports.service",)  # what a parse needs (it imports the parsers and renderers)


def _warm_up() -> None:
    """In a new worker: import what a parse needs, so the first import does not pay for it."""
    for name in WARM_MODULES:
        importlib.import_module(name)


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=WORKERS,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
    return _pool


def start() -> None:
    """Start the pool and one worker now (a server's lifespan, from a thread: starting a process
    takes tens of milliseconds). Returns once the worker process exists; it goes on importing
    what a parse needs in the background, at its lower priority."""
    global _warming
    if _warming is None:
        _warming = _executor().submit(_warm_up)


def shutdown() -> None:
    """Stop the pool's workers (waits for a running parse); the next import starts a new pool."""
    global _pool, _warming
    pool, _pool, _warming = _pool, None, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


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
    global _warming
    if _warming is not None:
        # the worker start() began: wait for it rather than start a second, cold one beside it
        with contextlib.suppress(Exception):  # a failed warm-up only means a cold first parse
            await asyncio.wrap_future(_warming)
        _warming = None
    # submit() may start a worker process (fork + exec): tens of ms, so from a thread, not the loop
    future = await anyio.to_thread.run_sync(lambda: _executor().submit(fn, *args))
    return await asyncio.wrap_future(future)


def pack(items: list[Any]) -> list[bytes]:
    """In the worker: the list pickled PACK_SLICE items at a time (an item keeps what it references;
    objects shared between items of different slices come back as copies)."""
    return [
        pickle.dumps(items[i : i + PACK_SLICE], pickle.HIGHEST_PROTOCOL)
        for i in range(0, len(items), PACK_SLICE)
    ]


async def unpack(packed: list[bytes]) -> list[Any]:
    """On the loop: the list back, one slice per turn, so other requests run in between."""
    items: list[Any] = []
    for blob in packed:
        items += pickle.loads(blob)  # noqa: S301 (our own worker's output)
        await asyncio.sleep(0)
    return items
