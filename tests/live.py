"""A committed database for tests that need real concurrency, and apps ("processes") over it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State

from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.interviews.autosave_db import AutosaveDb, autosave_pool
from app.kit.ratelimit import PoolStore
from app.main import create_app
from app.runtime import AppResources
from tests.factories import PASSWORD, UserFactory
from tests.fixtures import Client, sign_in


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Apps handed back by a closed LiveDb, keyed by the settings they were built with: FastAPI builds
# a route's dependency graph lazily, per app (~0.4 s of CPU for the ~150 routes a test's app
# reaches), so a new app per "process" was a large share of the live tests' CPU. An app keeps no
# state outside `app.state` (docs/DEVELOPING.md), which each LiveDb.app() replaces.
_FREE_APPS: dict[int, list[Any]] = {}


class LiveDb:
    """Each `app()` is a fresh app with its own engine and autosave pool, like a restarted
    process (ASGITransport does not run the lifespan). Call `close()` at the end."""

    def __init__(self, url: str, *, app_pool_size: int = 6) -> None:
        self.url = url
        self.app_pool_size = app_pool_size
        self.engine = make_engine(url, pool_size=4, max_overflow=4)
        self.maker = make_sessionmaker(self.engine)
        self.users = UserFactory(self.maker)
        self.autosave_pools: list[AsyncConnectionPool] = []
        self.limiters: list[PoolStore] = []
        self.apps: list[tuple[Any, int, int]] = []  # (app, id of its settings, its number of routes)

    def app(self) -> Any:
        """A new "process": an app object no other live app uses, with a fresh `state` (a reused
        object, built for other databases: its URL only matters to the lifespan, which ASGITransport
        does not run)."""
        settings = get_settings()
        free = _FREE_APPS.get(id(settings))
        if free:
            application = free.pop()
            application.state = State({"settings": settings, "background": False})
        else:
            application = create_app(settings, database_url=self.url, background=False)
        self.apps.append((application, id(settings), len(application.router.routes)))
        engine = make_engine(self.url, fail_fast=True, pool_size=self.app_pool_size, max_overflow=4)
        # the production save path: the raw psycopg pool, one autocommit round trip per save
        # every connection opened up front (client() waits for them): a test's burst of concurrent
        # saves must not depend on how fast a loaded machine can open new connections within the
        # 1 s pool wait
        settings = get_settings().model_copy(update={"autosave_pool_size": self.app_pool_size})
        pool = autosave_pool(self.url, settings, min_size=self.app_pool_size)
        maker = make_sessionmaker(engine)
        limiter = PoolStore(self.url, max_size=2)
        self.limiters.append(limiter)
        application.state.resources = AppResources(engine, maker, AutosaveDb(pool, settings), limiter)
        self.autosave_pools.append(pool)
        return application

    async def client(self, application: Any, email: str) -> Client:
        """A client of `application` signed in as `email` (through the auth services, as `as_role`:
        `sign_in` in tests/fixtures.py; a test about the login form calls `Client.login`)."""
        await application.state.resources.autosave.connections.open(wait=True)
        c = Client(
            transport=httpx.ASGITransport(app=application),
            base_url="https://testserver",
            follow_redirects=False,
        )
        await sign_in(c, self.maker, email, PASSWORD)
        return c

    async def close(self) -> None:
        for pool in self.autosave_pools:
            await pool.close()
        for limiter in self.limiters:
            await limiter.close()
        await self.engine.dispose()
        for application, settings_id, routes in self.apps:
            if len(application.router.routes) == routes:  # a test that added routes keeps its app
                _FREE_APPS.setdefault(settings_id, []).append(application)
        self.apps.clear()


def live_database(url: str, build: Callable[[AsyncSession], Awaitable[Any]]) -> str:
    """Fill a fresh migrated database once (for a module's live tests); returns its URL."""

    async def setup() -> None:
        engine = make_engine(url, pool_size=1)
        async with make_sessionmaker(engine)() as s:
            await build(s)
            await s.commit()
        await engine.dispose()

    asyncio.run(setup())
    return url
