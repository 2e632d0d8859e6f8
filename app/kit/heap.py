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

_frozen = False


def freeze_startup_objects() -> int:
    """Collect once, then freeze the survivors (once per process); the number frozen."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
    return gc.get_freeze_count()
