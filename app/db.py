"""Engine, ORM base and the request-scoped session that owns the transaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import MetaData, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session

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
    kw.setdefault("pool_pre_ping", True)
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
    return create_async_engine(async_url(url), **kw)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


_STATUS = leanpage.STATUS  # scope key: the status the endpoint answered
_KEPT = "mlmock.kept"  # session.info key: rows written even when the request is refused
_READ_ONLY = leanpage.READ_ONLY  # an endpoint's attribute (@read_only) and the session.info key
AUTOCOMMIT = "mlmock.autocommit"  # scope key: a @read_only request's autocommit connection
READ_ONLY_INFO = _READ_ONLY  # session.info key: the request session is a @read_only page's
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
    try:
        async with maker() as session:
            if request.method in ("GET", "HEAD") and getattr(
                request.scope.get("endpoint"), _READ_ONLY, False
            ):
                session.info[_READ_ONLY] = True
                if isinstance(maker.kw.get("bind"), AsyncEngine):  # tests bind their rolled-back connection
                    conn = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                    # the rate limiter counts this request's hit on this autocommit connection (one
                    # pool checkout per request instead of two; the count is kept whatever the answer)
                    request.scope[AUTOCOMMIT] = conn
            try:
                yield session
            except Exception:
                await session.rollback()
                await _write_kept(session)
                raise
            except BaseException:  # cancelled (the client went away): nothing more
                await session.rollback()
                raise
            status = request.scope.get(_STATUS)
            if status is None:
                await session.rollback()
                raise RuntimeError(
                    f"{request.url.path}: its router needs route_class=SessionRoute (app/db.py)"
                )
            if status >= 400:
                await session.rollback()
                await _write_kept(session)
                return
            await session.commit()
            # the handlers of the events this request emitted (notifications, …), after the commit
            await run_after_commit(maker, session)
    finally:
        request.scope.pop(AUTOCOMMIT, None)  # closed with the session: no later use


# scope="function": the commit runs when the endpoint returns, before the response is sent.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
