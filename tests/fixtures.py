"""The fixtures every test shares: a real Postgres (TEST_DATABASE_URL or the embedded server), one
fresh database per run migrated once with Alembic, a rollback after every test, the app and its
clients. A plugin (tests/conftest.py loads it where tests run), so an xdist controller never imports
the app; a test module imports `Client` or `sign_in` from here."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from starlette.datastructures import State

from app.auth import service as auth_service
from app.auth.tokens import csrf_for
from app.config import get_settings
from app.db import async_url
from app.interviews.autosave_db import AutosaveDb
from app.kit import clock
from app.kit.ratelimit import PoolStore
from app.main import create_app
from app.migrate import upgrade
from app.resources import data_path
from app.runtime import AppResources
from tests.conftest import RUN_SERVER, OwnServer
from tests.factories import UserFactory, seed_topics


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _libpq(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a maintenance database on the server the tests use: TEST_DATABASE_URL, the run's
    embedded server (started by the xdist controller), or an embedded server of this session's own."""
    if url := os.environ.get("TEST_DATABASE_URL") or os.environ.get(RUN_SERVER):
        yield url
        return
    server = OwnServer()
    try:
        yield server.start()
    finally:
        server.stop()


def _with_db(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base + ("?" + query if query else "")


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    root = data_path("migrations")
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _migrated_template(server_url: str) -> str:
    """A database migrated to this tree's head, to copy (`CREATE DATABASE … TEMPLATE`, well under a
    second) instead of migrating every scratch database (seconds each, a dozen per run). Named by a
    hash of migrations/, it is made once per server and kept: later runs, other worktrees with the same
    migrations and every xdist worker reuse it. tests/test_migrations.py still migrates from scratch."""
    name = f"mlmock_template_{_migrations_hash()}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as conn:
        # one maker at a time (xdist workers, parallel runs); the others wait, then find it made
        conn.execute("SELECT pg_advisory_lock(hashtext('mlmock test template'))")
        try:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                building = f"{name}_building_{uuid.uuid4().hex[:6]}"
                conn.execute(f'CREATE DATABASE "{building}"')
                try:
                    upgrade(_with_db(server_url, building))
                except BaseException:
                    conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                    raise
                conn.execute(
                    f'ALTER DATABASE "{building}" RENAME TO "{name}"'
                )  # published whole or not at all
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('mlmock test template'))")
    return name


@pytest.fixture(scope="session")
def make_database(pg_server_url: str) -> Iterator[object]:
    """Create fresh databases on the test server (migrated: copies of the migrated template); all are
    dropped at the end of the run."""
    created: list[str] = []
    template: list[str] = []

    def make(prefix: str = "mlmock_test", migrate: bool = True) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        if migrate and not template:
            template.append(_migrated_template(pg_server_url))
        with psycopg.connect(_libpq(pg_server_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template[0]}"' if migrate else ""))
            # a scratch database needs no durability: commits do not wait for the WAL flush
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        created.append(name)
        return _with_db(pg_server_url, name)

    yield make
    if created and os.environ.get("TEST_DATABASE_URL"):
        _drop_after_the_run(pg_server_url, created)
    # (an embedded server is the run's own: it is stopped and its folder removed, databases and all)


_DROP = """
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    for name in sys.argv[2:]:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
"""


def _drop_after_the_run(server_url: str, names: list[str]) -> None:
    """Drop the run's scratch databases in a detached process, so the run does not wait for it: each
    DROP DATABASE forces a checkpoint of the whole server (seconds each on a busy shared server; a
    fast run makes a few dozen databases)."""
    subprocess.Popen(
        [sys.executable, "-c", _DROP, _libpq(server_url), *names],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.fixture(scope="session")
def database_url(make_database) -> str:  # type: ignore[no-untyped-def]
    return make_database()  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(scope="session")
def test_engine(database_url: str) -> AsyncEngine:
    """The one engine of the run's rolled-back test connections (and of the `app` fixture's
    /readyz). SQLAlchemy caches compiled statements per engine (its dialect is part of the cache
    key), so an engine per test compiled every statement it ran anew, in every test: about a tenth
    of the CPU of a test. No pool (NullPool): each test opens its connection in its own event loop
    and closes it; nothing is kept across tests but the dialect and its statement cache."""
    return create_async_engine(
        async_url(database_url),
        poolclass=NullPool,
        hide_parameters=True,
        query_cache_size=5000,  # every statement of the suite (the default, 500, would churn)
        connect_args={"connect_timeout": get_settings().db_connect_timeout_seconds},
    )


@pytest.fixture
async def db(test_engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker bound to one connection whose outer transaction is rolled back after the test."""
    async with test_engine.connect() as conn:
        trans = await conn.begin()
        maker = async_sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield maker
        finally:
            await trans.rollback()


class RolledBackConnections:
    """The autosave's connection source in tests: the test's own rolled-back connection, each save
    in a savepoint, so the production AutosaveDb (compiled statement, execution, decoding) runs
    unchanged and its writes vanish with the test."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def connection(self, timeout: float | None = None) -> AsyncIterator[psycopg.AsyncConnection[Any]]:  # noqa: ASYNC109 - the pool's signature
        raw = (await self.conn.get_raw_connection()).driver_connection
        async with raw.transaction():  # a savepoint: the test's transaction is already open
            yield raw

    async def check(self) -> None:
        return None


@pytest.fixture(scope="session")
def shared_app(database_url: str) -> FastAPI:
    """One app for the whole run. FastAPI builds a route's dependency graph lazily, on the first
    request that reaches it, and anew for every app: with an app per test that was about a third of
    the CPU time of `make test-fast`. The `app` fixture gives each test this app with a fresh `state`."""
    return create_app(get_settings(), database_url=database_url, background=False)


@pytest.fixture
def bare_app(request: pytest.FixtureRequest, shared_app: FastAPI, database_url: str) -> FastAPI:
    """The app under test before its resources are attached: the shared one, or a new one for a test
    marked `own_app` (it adds routes of its own, which must not reach the other tests)."""
    if request.node.get_closest_marker("own_app"):
        return create_app(get_settings(), database_url=database_url, background=False)
    return shared_app


@pytest.fixture
async def app(
    bare_app: FastAPI,
    shared_app: FastAPI,
    database_url: str,
    test_engine: AsyncEngine,
    db: async_sessionmaker[AsyncSession],
):  # type: ignore[no-untyped-def]
    application = bare_app
    # a fresh state per test, as a new app had: what a test leaves there (in-memory token buckets,
    # the analytics page cache, a dispatcher, changed settings) never reaches the next test
    application.state = State({"settings": get_settings(), "background": False})
    limiter = PoolStore(database_url, max_size=2)
    application.state.resources = AppResources(
        engine=test_engine,  # /readyz only; data goes through the rolled-back connection
        sessionmaker=db,
        autosave=AutosaveDb(RolledBackConnections(db.kw["bind"]), get_settings()),
        # the production store: its own autocommit connection, so a count survives the request's
        # rollback (a refused form still counts), as it does in the running app
        ratelimit=limiter,
    )
    routes = len(application.router.routes)
    yield application
    if limiter._opened:
        async with limiter.pool.connection() as conn:
            await conn.execute("DELETE FROM rate_limit")  # what this test counted
    await limiter.close()
    if application is shared_app:
        assert len(application.router.routes) == routes, (
            "a test added routes to the shared app: mark it own_app"
        )


class Client(httpx.AsyncClient):
    """An httpx client over the ASGI app that keeps the page's CSRF token like a browser would."""

    csrf: str = ""

    async def request(self, method: str, url: httpx.URL | str, **kw):  # type: ignore[no-untyped-def, override]
        if method.upper() not in ("GET", "HEAD", "OPTIONS") and kw.pop("csrf", True) and self.csrf:
            headers = dict(kw.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf)
            kw["headers"] = headers
        response = await super().request(method, url, **kw)
        if match := re.search(r'<meta name="csrf-token" content="([^"]+)"', response.text[:4000]):
            self.csrf = match.group(1)  # (an error page rendered before the session was read has none)
        return response

    async def post(self, url, **kw):  # type: ignore[no-untyped-def, override]
        return await self.request("POST", url, **kw)

    async def put(self, url, **kw):  # type: ignore[no-untyped-def, override]
        return await self.request("PUT", url, **kw)

    async def patch(self, url, **kw):  # type: ignore[no-untyped-def, override]
        return await self.request("PATCH", url, **kw)

    async def delete(self, url, **kw):  # type: ignore[no-untyped-def, override]
        return await self.request("DELETE", url, **kw)

    async def login(self, email: str, password: str) -> httpx.Response:
        await self.get("/login")
        response = await self.post("/login", data={"email": email, "password": password, "next": "/"})
        assert response.status_code == 303, response.text
        await self.get("/account")  # pick up the session-bound CSRF token
        return response


@pytest.fixture
async def client(app) -> AsyncIterator[Client]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with Client(transport=transport, base_url="https://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
async def make_client(app):  # type: ignore[no-untyped-def]
    clients: list[Client] = []

    async def make() -> Client:
        c = Client(
            transport=httpx.ASGITransport(app=app), base_url="https://testserver", follow_redirects=False
        )
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.aclose()


# The address ASGITransport gives every request (what the login route reads with client_ip)
CLIENT_IP = "127.0.0.1"


async def sign_in(c: Client, maker: async_sessionmaker[AsyncSession], email: str, password: str) -> None:
    """Sign `c` in as the login form does, through the same services (the password check with its
    throttle and audit, then a new session), without the form's three requests (the login page,
    the post, a page for the session's CSRF token): about two thirds of the CPU of a signed-in
    client. The client then holds what the form's answer gave it: the session cookie (as the
    Set-Cookie of https://testserver stores it) and the session-bound CSRF token. Tests about
    signing in use `Client.login`, the real form."""
    async with maker() as session:
        user = await auth_service.authenticate(session, email=email, password=password, ip=CLIENT_IP)
        assert user is not None, f"{email} cannot sign in"
        raw = await auth_service.start_session(
            session, user, ip=CLIENT_IP, user_agent=c.headers.get("user-agent"), replaces=None
        )
        await session.commit()
    c.cookies.set(get_settings().session_cookie, raw, domain="testserver.local", path="/")
    c.csrf = csrf_for("s", raw)


@pytest.fixture
def users(db: async_sessionmaker[AsyncSession]) -> UserFactory:
    return UserFactory(db)


@pytest.fixture
async def as_role(make_client, users: UserFactory):  # type: ignore[no-untyped-def]
    """A signed-in client for a role: await as_role("admin")."""

    async def signed_in(role: str) -> Client:
        roles = {
            "candidate": ["candidate"],
            "mentor": ["candidate", "mentor"],
            "admin": ["candidate", "mentor", "admin"],
        }[role]
        user, password = await users.create(roles=roles)
        c = await make_client()
        await sign_in(c, users.maker, user.email, password)
        c.user = user  # type: ignore[attr-defined]
        return c

    return signed_in


@pytest.fixture
async def topics(db: async_sessionmaker[AsyncSession]) -> None:
    """The seed topic tree (areas and their topics), committed."""
    async with db() as s:
        await seed_topics(s)
        await s.commit()
