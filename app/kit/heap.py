"""Keep Python's full garbage collections short: they stop every thread of the process.

A full (generation 2) collection walks every tracked object. After startup that is ~0.2 M
objects (modules, SQLAlchemy metadata, pydantic schemas, compiled templates) which live as
long as the process; walking them made one collection take hundreds of milliseconds on a busy
2-core machine, and every autosave waiting behind it paid that (issues 12 and 18). `gc.freeze()`
moves them into the permanent generation the collector skips, so a full collection walks only
what requests created since. Done once per process, after the app has started.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False


def freeze_startup_objects() -> int:
    """Collect once, then freeze the survivors (once per process); the number frozen."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
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
