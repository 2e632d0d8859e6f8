"""Analytics pages computed once per refresh generation, off the event loop, a few at a time.

The summaries change only when the refresher runs (refresh.py), and a refresh that changed
them sets a new random token in `analytics_generation` in the same transaction. A page reads
the token first and its data after, so what it stores under a token is at least as new as
that token: every process (each has its own cache) serves data no older than the token it has
just read. The token is combined with a fingerprint of the question bank (question count, sum
of version counts), because pages show current titles and filter on current versions.

Only this process's memory holds the cache (per app, so tests never share one); losing it
costs one recomputation. On a miss, one request computes while the others for the same key
wait for its result, and at most SLOTS computations run at once, so a burst of admins cannot
take every database connection or core from candidates' autosaves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

GENERATION = text(
    """
SELECT (SELECT token FROM analytics_generation WHERE id = 1),
       count(*), coalesce(sum(version_count), 0)
FROM question
"""
)
SLOTS = 2  # analytics computations at once per process
SIZE = 64  # cached pages per process, all of one generation (filters make keys)


@dataclass
class PageCache:
    entries: OrderedDict[tuple[Hashable, Hashable], Any] = field(default_factory=OrderedDict)
    locks: dict[Hashable, anyio.Lock] = field(default_factory=dict)
    slots: anyio.Semaphore = field(default_factory=lambda: anyio.Semaphore(SLOTS))
    hits: int = 0
    misses: int = 0

    def get(self, key: tuple[Hashable, Hashable]) -> Any:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: tuple[Hashable, Hashable], value: Any) -> None:
        """Store a page under (generation, page key); pages of any other generation go: every load
        reads the newest generation first, so they would never be served again, and kept they
        only lengthen the process's full garbage collections (which stop every request)."""
        generation = key[0]
        for stale in [k for k in self.entries if k[0] != generation]:
            del self.entries[stale]
        self.entries[key] = value
        self.entries.move_to_end(key)
        while len(self.entries) > SIZE:
            self.entries.popitem(last=False)


def page_cache(app: FastAPI) -> PageCache:
    cache: PageCache | None = getattr(app.state, "analytics_cache", None)
    if cache is None:
        cache = app.state.analytics_cache = PageCache()
    return cache


async def generation(session: AsyncSession) -> tuple[Any, ...]:
    return tuple((await session.execute(GENERATION)).one())


async def cached(
    app: FastAPI, session: AsyncSession, key: Hashable, compute: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """`compute(session)` for this generation of the summaries, from the cache when it is there."""
    cache = page_cache(app)
    full = (await generation(session), key)
    if (hit := cache.get(full)) is not None:
        cache.hits += 1
        return hit  # type: ignore[no-any-return]
    lock = cache.locks.setdefault(full, anyio.Lock())
    try:
        async with lock:
            if (hit := cache.get(full)) is not None:  # another request computed it meanwhile
                cache.hits += 1
                return hit  # type: ignore[no-any-return]
            cache.misses += 1
            async with cache.slots:
                value = await compute(session)
            cache.put(full, value)
            return value
    finally:
        if not lock.statistics().tasks_waiting:
            cache.locks.pop(full, None)


async def limited(app: FastAPI, session: AsyncSession, compute: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """A computation that is not cached (it reads live tables), still one of the SLOTS at a time."""
    async with page_cache(app).slots:
        return await compute(session)
