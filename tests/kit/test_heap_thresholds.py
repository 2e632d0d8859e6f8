"""After start-up (app/kit/heap.py), the allocations of a busy page do not set off full garbage
collections: each one stops every request of the process (70-230 ms on the loaded machine in
`python -m bench analytics --diagnose`, about one per ten young collections once the start-up
objects are frozen, since the collector then compares what was promoted since with the few
objects it still owns)."""

from __future__ import annotations

import gc

from app.kit.heap import freeze_startup_objects


def test_a_pages_worth_of_objects_sets_off_no_full_collection() -> None:
    freeze_startup_objects()
    gc.collect()
    before = gc.get_stats()[2]["collections"]
    kept = [[{"row": i, "cells": [i, i + 1]} for i in range(2_000)] for _ in range(60)]  # ~360,000 objects
    assert gc.get_stats()[2]["collections"] == before
    assert sum(len(rows) for rows in kept) == 120_000
