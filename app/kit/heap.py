"""Keep Python's full garbage collections short: they stop every thread of the process.

A full (generation 2) collection walks every tracked object. After startup that is ~0.2 M
objects (modules, SQLAlchemy metadata, pydantic schemas, compiled templates) which live as
long as the process; walking them made one collection take hundreds of milliseconds on a busy
2-core machine, and every autosave waiting behind it paid that (issues 12 and 18). `gc.freeze()`
moves them into the permanent generation the collector skips, so a full collection walks only
what requests created since. Done once per process, after the app has started.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_frozen = False

# Young collections after this many net allocations of tracked objects (Python's default: 700).
# Once the start-up objects are frozen, the collector owns few objects, and it runs a full
# collection whenever ten middle-generation collections have promoted a quarter of that few:
# about every ten young ones. A page load's rows, statistics and chart (objects alive across
# its awaits) promoted that much, so full collections came every few seconds during analytics
# page loads, 70-230 ms each on the loaded machine (`python -m bench analytics --diagnose`: 15
# in 70 s); at 20,000, none in the same run. What requests drop is freed by reference counting
# anyway; only garbage cycles wait a little longer.
YOUNG_THRESHOLD = 20_000


def freeze_startup_objects() -> int:
    """Collect once, then freeze the survivors (once per process) and space out young collections;
    the number frozen."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        _frozen = True
    return gc.get_freeze_count()


_paused = 0
_thresholds = gc.get_threshold()


@contextmanager
def no_full_collections() -> Iterator[None]:
    """While a request builds a large, mostly acyclic object graph (an import of thousands of
    questions): no full collections, young ones go on. Each full collection would walk the whole
    growing graph (hundreds of ms, several times per import) while every other request waits;
    what it would find is freed by reference counting when the request ends anyway. Nested and
    concurrent uses share one pause; the thresholds come back when the last one ends."""
    global _paused, _thresholds
    if _paused == 0:
        _thresholds = gc.get_threshold()
        gc.set_threshold(_thresholds[0], _thresholds[1], 1_000_000_000)
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.set_threshold(*_thresholds)


# While an import runs CPU work in worker threads, the event loop gets the GIL back after at most
# this long (Python's default is 5 ms). Each wake-up of the loop (a save arriving, its database
# reply) waited up to the full interval for a busy thread to let go, several times per request.
LOOP_FIRST_INTERVAL = 0.0005
_threads_busy = 0
_interval = sys.getswitchinterval()


@contextmanager
def loop_first() -> Iterator[None]:
    """While a request keeps worker threads busy with Python code: a short GIL switch interval,
    so the event loop waits at most ~0.5 ms for a thread to hand it the interpreter. Nested and
    concurrent uses share it; the default comes back when the last one ends."""
    global _threads_busy, _interval
    if _threads_busy == 0:
        _interval = sys.getswitchinterval()
        sys.setswitchinterval(min(_interval, LOOP_FIRST_INTERVAL))
    _threads_busy += 1
    try:
        yield
    finally:
        _threads_busy -= 1
        if _threads_busy == 0:
            sys.setswitchinterval(_interval)


RELEASE_SLICE = 200


async def release_gradually(*lists: list[Any]) -> None:
    """Empty large lists a slice at a time, letting the loop run between slices.

    Dropping the last reference to 10,000 questions' documents frees them in one C call that
    never lets go of the GIL (tens of milliseconds in which no request runs); emptied by
    slices, each step costs well under a millisecond."""
    for items in lists:
        while items:
            del items[-RELEASE_SLICE:]
            await asyncio.sleep(0)
