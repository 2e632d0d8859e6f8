"""create_app(): lifespan (engine, background jobs), middleware, routers, error handlers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles

from app.analytics import jobs as analytics_jobs
from app.auth import refusals
from app.config import Settings, get_settings
from app.db import SessionRoute
from app.events import dispatcher as events_dispatcher
from app.imports import offload
from app.imports import routes as imports_routes
from app.interviews import sweeper
from app.interviews.autosave import AutosaveDispatch, autosave_shed
from app.kit.heap import freeze_startup_objects
from app.kit.leanpage import LeanPages
from app.resources import data_path
from app.routers import ROUTERS
from app.runtime import open_resources
from app.web import errors, metrics, openapi
from app.web.logging import configure as configure_logging
from app.web.security import SecurityMiddleware

BackgroundJob = Callable[[FastAPI], Awaitable[None]]
BACKGROUND_JOBS: list[BackgroundJob] = [
    sweeper.run,
    metrics.sample_pools,
    events_dispatcher.run,
    analytics_jobs.run,  # the summaries the analytics pages read (one process refreshes at a time)
]


def build_routes(app: FastAPI) -> int:
    """Build every route's request handling now (its dependency graph, parameter and body
    validators); the number of routes built.

    FastAPI builds an included router's routes lazily, all of them on the first request that walks
    through that router: the first `/api/v1` request after a start (an import, issue 12) spent
    ~130 ms on a quiet machine and ~0.7 s on a loaded one building ~140 routes on the event loop,
    and every autosave waited behind it. Done once in the lifespan; apps built without it (tests)
    keep the lazy build, which is cheaper for an app that serves a few requests."""
    return sum(1 for _ in iter_route_contexts(app.routes))


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    background: bool = True,
) -> FastAPI:
    settings = settings or get_settings()
    url = database_url or settings.database_url
    if not url:
        raise RuntimeError("No database: set DATABASE_URL or run `mlmock dev` for the embedded server")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.resources = resources = await open_resources(url, settings)
        build_routes(app)  # before the first request, not during it (on the event loop)
        freeze_startup_objects()  # full garbage collections then skip what lives as long as the process
        jobs: list[asyncio.Future[None]] = []
        if app.state.background:  # a server: the imports' parsing process, ready before the first import
            await asyncio.to_thread(offload.start)  # (tests' apps without background jobs: on first use)
            jobs = [asyncio.ensure_future(job(app)) for job in BACKGROUND_JOBS]
        try:
            yield
        finally:
            for task in jobs:
                task.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            await asyncio.to_thread(offload.shutdown)  # the import's parsing processes, if started
            await resources.close()

    app = FastAPI(
        title="mlmock",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.show_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.show_docs else None,
        # Metrics are our own (prometheus, app/web/metrics.py); FastAPI's native OpenTelemetry
        # otherwise looks up the global providers (environment variables) on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.router.route_class = SessionRoute  # routes declared on the app itself (tests) decide the commit too
    app.state.background = background
    errors.install(app)
    openapi.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(data_path("static"))), name="static")
    upload_limit = settings.import_max_bytes + imports_routes.FORM_OVERHEAD
    app.add_middleware(LeanPages)  # read-only list pages seen once skip the router (app/kit/leanpage.py)
    app.add_middleware(AutosaveDispatch)  # the hot path skips the router (autosave.py)
    app.add_middleware(
        SecurityMiddleware,
        settings=settings,
        body_limits=dict.fromkeys(imports_routes.UPLOAD_PATHS, upload_limit),
        on_crash=errors.crash_response,
        on_refusal=refusals.record_refusal,
        early=autosave_shed,  # an autosave over the admission limit: 503 before anything else
    )
    app.add_middleware(metrics.MetricsMiddleware, settings=settings)  # outermost: times everything
    configure_logging(settings.log_level)
    return app
