"""What the app holds for its lifetime, in one typed object: `app.state.resources`.

The lifespan (app/main.py) creates it with `open_resources` and closes it with `close()`; apps
built without their lifespan (tests) are handed one built around their own connections
(tests/fixtures.py, tests/live.py). Readers take what they need from it: the engine and the
sessionmaker (pages, jobs), the autosave statement runner, the rate-limit store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.interviews.autosave_db import AutosaveDb, autosave_pool
from app.kit import ratelimit
from app.web import metrics


@dataclass(slots=True)
class AppResources:
    engine: AsyncEngine  # pages and jobs (fail-fast pool, statement and lock timeouts)
    sessionmaker: async_sessionmaker[AsyncSession]
    autosave: AutosaveDb  # the save statement on its own autocommit pool (docs/autosave.md)
    ratelimit: ratelimit.Store  # shared counters (app/kit/ratelimit.py)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()


async def open_resources(url: str, settings: Settings) -> AppResources:
    """The production resources; nothing waits for the database (the app starts while it is down)."""
    engine = make_engine(
        url,
        fail_fast=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        poolclass=metrics.TimedQueuePool,
    )
    autosave_connections = autosave_pool(url, settings)
    await autosave_connections.open(wait=False)
    store = ratelimit.PoolStore(url)
    return AppResources(
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        autosave=AutosaveDb(autosave_connections, settings),
        ratelimit=store,
        closers=[engine.dispose, autosave_connections.close, store.close],
    )


def resources(app: Any) -> AppResources:
    """The app's resources (typed)."""
    found: AppResources = app.state.resources
    return found
