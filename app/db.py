"""Engine, ORM base and the request-scoped session that owns the transaction."""

from __future__ import annotations

import logging
import select
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import MetaData, event, exc
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session
from sqlalchemy.util import greenlet_spawn

from app.config import get_settings
from app.events.outbox import run_after_commit
from app.kit import leanpage

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def async_url(url: str) -> str:
    """Normalise any postgres URL to the psycopg 3 async driver."""
    for prefix in ("postgresql+psycopg://", "postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def pg_options(*, statement_timeout_ms: int, lock_timeout_ms: int) -> str:
    """libpq `options` setting a connection's statement and lock timeouts."""
    return f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={lock_timeout_ms}"


def make_engine(url: str, *, fail_fast: bool = False, **kw: Any) -> AsyncEngine:
    """An engine; `fail_fast` (the web app) bounds the pool wait, each statement and each lock wait,
    so a down, locked or saturated database surfaces as an error (a 503) within seconds.
    Command-line jobs (seed, import, sweep) keep no statement timeout."""
    settings = get_settings()
    kw.setdefault("pool_size", 10)
    kw.setdefault("max_overflow", 10)
    # Parameters never reach a log line or an exception message: they include password
    # hashes, session and token digests, answers. The SQL text alone is enough to debug.
    kw.setdefault("hide_parameters", True)
    connect_args: dict[str, Any] = {"connect_timeout": settings.db_connect_timeout_seconds}
    if fail_fast:
        kw.setdefault("pool_timeout", settings.db_pool_timeout_seconds)
        connect_args["options"] = pg_options(
            statement_timeout_ms=settings.db_statement_timeout_ms, lock_timeout_ms=settings.db_lock_timeout_ms
        )
    kw.setdefault("connect_args", connect_args)
    engine = create_async_engine(async_url(url), **kw)
    if not kw.get("pool_pre_ping"):
        _ping_when_in_doubt(engine)
    return engine


# A pooled connection is pinged at checkout only when it may be gone: idle longer than this, or its
# socket has something to read (a server that ends a connection - restart, pg_terminate_backend,
# idle_session_timeout - sends its FATAL error and closes it), or psycopg knows it is closed.
PING_IDLE_SECONDS = 5.0
_USED_AT = "mlmock.used_at"  # connection record info: when it was last connected or checked in


def _ping_when_in_doubt(engine: AsyncEngine) -> None:
    """SQLAlchemy's pre-ping, without its round trip on a connection used moments ago.

    `pool_pre_ping` sends an empty statement at every checkout: one round trip of a page's four or
    five (sign-in lookup, rate-limit hit, list, topics), ~3 ms of a loaded machine's scheduling
    each. A connection just checked in is alive unless the server ended it, which its socket shows
    at once; the ping stays for connections idle longer than PING_IDLE_SECONDS (a peer that
    vanished without a word). A failed ping invalidates the pool, as pre-ping does, and the pool
    connects anew (a database that is down answers 503 as before)."""
    dialect = engine.dialect
    pool = engine.sync_engine.pool

    def used(_: Any, record: Any) -> None:
        record.info[_USED_AT] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _: Any) -> None:
        used_at = record.info.get(_USED_AT)
        if used_at is not None and time.monotonic() - used_at < PING_IDLE_SECONDS:
            if not _may_be_gone(dbapi_connection.driver_connection):
                return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if not dialect.is_disconnect(err, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.InvalidatePoolError()

    event.listen(pool, "connect", used)
    event.listen(pool, "checkin", used)
    event.listen(pool, "checkout", checkout)


def _may_be_gone(driver: Any) -> bool:
    """Closed or broken for psycopg, or the server sent something on an idle connection."""
    if driver is None or driver.closed or driver.broken:
        return True
    # poll(), not select(): select() cannot watch a socket numbered above 1,023, which a process
    # holding many connections (live streams, clients) hands out
    poller = select.poll()
    poller.register(driver.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


_STATUS = leanpage.STATUS  # scope key: the status the endpoint answered
_KEPT = "mlmock.kept"  # session.info key: rows written even when the request is refused
_READ_ONLY = leanpage.READ_ONLY  # an endpoint's attribute (@read_only) and the session.info key
AUTOCOMMIT = "mlmock.autocommit"  # scope key: a @read_only request's psycopg connection (autocommit)
READ_CONNECTION = "mlmock.read_connection"  # session.info key: a @read_only page's connection
READ_DRIVER = "mlmock.read_driver"  # session.info key: that connection's psycopg connection
VISIT = "mlmock_visit"  # execution option of the sign-in check's record of a visit (app/auth/service.py)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def read_only(endpoint: Endpoint) -> Endpoint:
    """Marks a page (GET) that only reads: its request session runs without a transaction
    (autocommit), which saves the BEGIN and COMMIT round trips. The only writes allowed there are
    the sign-in check's single-statement records of the visit (a session's sliding idle timeout,
    the deletion of an expired session, a token's last use), each kept whatever the answer; any
    other write raises (`_refuse_writes`), so a route that starts writing cannot lose atomicity."""
    setattr(endpoint, _READ_ONLY, True)
    return endpoint


@event.listens_for(Session, "do_orm_execute")
def _refuse_writes(state: ORMExecuteState) -> None:
    if state.session.info.get(_READ_ONLY) and not state.is_select and not state.execution_options.get(VISIT):
        raise RuntimeError("a @read_only route wrote to the database: remove @read_only (app/db.py)")


@event.listens_for(Session, "before_flush")
def _refuse_flush(session: Session, *_: Any) -> None:
    if session.info.get(_READ_ONLY) and (
        session.new or session.deleted or any(not getattr(o, VISIT, False) for o in session.dirty)
    ):
        raise RuntimeError("a @read_only route wrote to the database: remove @read_only (app/db.py)")


class SessionRoute(APIRoute):
    """Every router's route class (`APIRouter(route_class=SessionRoute)`): it notes the status of
    the response the endpoint built, which decides whether the request session commits."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # A @read_only GET page: its dependencies by a plan compiled once (app/kit/leanpage.py)
        lean = leanpage.compile_route(self)

        async def handle(request: Request) -> Response:
            if lean is not None and not lean.overridden():
                params = lean.params(request)
                if params is not leanpage.INVALID:
                    leanpage.remember(request.scope, lean)  # later GETs of this path skip the router
                    return await lean.run(request, params)
            response = await handler(request)
            request.scope[_STATUS] = response.status_code
            return response

        return handle


def keep_if_refused(session: AsyncSession, make: Callable[[], object]) -> None:
    """Write `make()` (a new ORM object) in a transaction of its own if this request is refused:
    for the few records of a refusal that a later request counts (a failed sign-in)."""
    session.info.setdefault(_KEPT, []).append(make)


async def _write_kept(session: AsyncSession) -> None:
    kept: list[Callable[[], object]] = session.info.pop(_KEPT, [])
    if not kept:
        return
    try:
        session.add_all(make() for make in kept)
        await session.commit()
    except Exception:  # the refusal is answered anyway; the record is lost, said in the log
        log.exception("could not write the records of a refused request")
        await session.rollback()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request. It commits when the endpoint answered below 400, before the
    response is sent (so a 200 means the data is durable); it rolls back on an exception and on
    any answer >= 400, also one the route rendered itself (a form re-rendered with its 422/409).
    """
    maker: async_sessionmaker[AsyncSession] = request.app.state.resources.sessionmaker
    if request.method in ("GET", "HEAD") and getattr(request.scope.get("endpoint"), _READ_ONLY, False):
        # A @read_only page: one connection the request checks out itself, autocommit in the running
        # app (no BEGIN/COMMIT round trips; tests read on their rolled-back connection). Its plain-row
        # reads (sign-in lookup, rate-limit hit, lists: `read_connection`) go straight to it, so a
        # page that never uses the ORM never begins the session's transaction machinery.
        bind: Any = maker.kw.get("bind")
        engine = bind if isinstance(bind, AsyncEngine) else None
        conn: AsyncConnection = await _connect_autocommit(engine) if engine is not None else bind
        try:
            session = maker(bind=conn)
            session.info[_READ_ONLY] = True
            session.info[READ_CONNECTION] = conn
            session.info[READ_DRIVER] = driver = _driver(conn)  # the sign-in lookup runs on it
            if engine is not None:
                # and, in autocommit, the rate limiter's hit (one checkout per request, the count kept
                # whatever the answer); tests count on the store's connection, which a rolled-back
                # one would hold a lock against
                request.scope[AUTOCOMMIT] = driver
            try:
                yield session
            except BaseException as exc:
                try:
                    await session.rollback()
                    if isinstance(exc, Exception):  # (cancelled, the client went away: nothing more)
                        await _write_kept(session)
                finally:
                    await session.close()
                raise
            # A session that never began (every read went to the connection) has nothing to
            # commit, roll back or release; one the ORM was used on ends as any request session.
            if session.in_transaction() or session.new or session.dirty or session.deleted:
                try:
                    await _finish(request, maker, session)
                finally:
                    await session.close()
            elif request.scope.get(_STATUS) is None:
                raise RuntimeError(
                    f"{request.url.path}: its router needs route_class=SessionRoute (app/db.py)"
                )
        finally:
            request.scope.pop(AUTOCOMMIT, None)  # closed with the connection: no later use
            if engine is not None:
                await _give_back(conn)
        return
    async with maker() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            await _write_kept(session)
            raise
        except BaseException:  # cancelled (the client went away): nothing more
            await session.rollback()
            raise
        await _finish(request, maker, session)


async def _finish(request: Request, maker: async_sessionmaker[AsyncSession], session: AsyncSession) -> None:
    """After the endpoint: commit below 400, else roll back (and write what a refusal keeps)."""
    status = request.scope.get(_STATUS)
    if status is None:
        await session.rollback()
        raise RuntimeError(f"{request.url.path}: its router needs route_class=SessionRoute (app/db.py)")
    if status >= 400:
        await session.rollback()
        await _write_kept(session)
        return
    await session.commit()
    # the handlers of the events this request emitted (notifications, …), after the commit
    await run_after_commit(maker, session)


async def _connect_autocommit(engine: AsyncEngine) -> AsyncConnection:
    """A pool connection with its psycopg connection in autocommit for this request. Switched on
    psycopg directly, not with SQLAlchemy's isolation-level option: that one sets and resets the
    autocommit flag and the isolation level each (four locked driver calls, each a greenlet hop)."""
    conn = AsyncConnection(engine, await greenlet_spawn(engine.sync_engine.connect))
    try:
        await _driver(conn).set_autocommit(True)
    except BaseException:
        await _give_back(conn)
        raise
    return conn


async def _give_back(conn: AsyncConnection) -> None:
    """Back to the pool as it lends its connections, in transactions; a connection that cannot be
    switched back is discarded (the pool opens a new one), never returned in autocommit. A failure
    here is logged, as the pool's own reset does, not answered: the page has been served."""
    try:
        await _driver(conn).set_autocommit(False)
    except Exception:
        log.warning("a read-only page's connection could not leave autocommit: discarded", exc_info=True)
        await conn.invalidate()
    except BaseException:
        await conn.invalidate()
        raise
    finally:
        await conn.close()


def _driver(conn: AsyncConnection) -> Any:
    """The psycopg connection of a checked-out connection (no greenlet hop to reach it)."""
    return conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]


async def read_connection(session: AsyncSession) -> AsyncConnection:
    """The connection to read plain rows on: a @read_only page's own (its session writes nothing
    through the ORM that a read must see first), else the session's after a flush, as an ORM
    read would do."""
    conn: AsyncConnection | None = session.info.get(READ_CONNECTION)
    if conn is not None:
        return conn
    await session.flush()
    return await session.connection()


# scope="function": the commit runs when the endpoint returns, before the response is sent.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
