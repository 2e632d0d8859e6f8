"""Prometheus metrics: `/metrics` in the text format, from a pure-ASGI middleware (counters only on
the request path, nothing awaited but the app itself).

- `mlmock_http_request_duration_seconds{method, route, status}`: latency by route *template*
  (`/attempts/{attempt_id}/items/{item_id}/answer`), status class (`2xx` …).
- `mlmock_autosave_total{outcome}`: saved / unchanged / conflict / closed / unavailable / busy
  (refused by the in-flight bound) / rate_limited / rejected / error, read off the autosave response's status and reason.
- `mlmock_db_pool_connections{pool, state}`, `mlmock_db_pool_waiting{pool}`,
  `mlmock_db_pool_wait_seconds_total{pool}`, `mlmock_db_pool_checkouts_total{pool}`,
  `mlmock_db_pool_timeouts_total{pool}`: the SQLAlchemy pool (pages, sweeper; timed at each
  checkout by TimedQueuePool) and the psycopg pool of the autosave path (its own statistics),
  gauges sampled every few seconds and at each scrape.
- `mlmock_sweeper_runs_total{result}` (swept / skipped: another process holds the lock / failed),
  `mlmock_sweeper_finalised_total`.
- `mlmock_import_duration_seconds{format, mode, outcome}`.

Several worker processes (`mlmock serve --workers N`): PROMETHEUS_MULTIPROC_DIR must be set
before this module is imported (the serve command does it); each process writes its samples
there and a scrape of any process aggregates all of them.

Access: loopback and MLMOCK_METRICS_ALLOW_IPS callers, or `Authorization: Bearer
<MLMOCK_METRICS_TOKEN>`; anyone else gets 403.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from app.config import Settings

log = logging.getLogger("mlmock.metrics")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_DURATION = Histogram(
    "mlmock_http_request_duration_seconds",
    "HTTP request latency by route template",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
AUTOSAVE = Counter("mlmock_autosave", "Autosave requests by outcome", ["outcome"])
POOL_CONNECTIONS = Gauge(
    "mlmock_db_pool_connections",
    "Connections held by the app's pools",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "mlmock_db_pool_waiting", "Requests waiting for a connection", ["pool"], multiprocess_mode="livesum"
)
POOL_WAIT = Counter("mlmock_db_pool_wait_seconds", "Time spent waiting for a pooled connection", ["pool"])
POOL_TIMEOUTS = Counter("mlmock_db_pool_timeouts", "Connection requests that failed or timed out", ["pool"])
POOL_CHECKOUTS = Counter("mlmock_db_pool_checkouts", "Connections handed out by the pool", ["pool"])
SWEEPER_RUNS = Counter("mlmock_sweeper_runs", "Sweeper passes by result", ["result"])
SWEEPER_FINALISED = Counter("mlmock_sweeper_finalised", "Attempts finalised by the sweeper")
IMPORT_DURATION = Histogram(
    "mlmock_import_duration_seconds",
    "Question-bank import duration (analysis and write)",
    ["format", "mode", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)

SAMPLE_SECONDS = 5.0


def render() -> bytes:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


# ---- pools -----------------------------------------------------------------------------------------


def observe_pools(state: Any) -> None:
    """Sample the SQLAlchemy and autosave pools of this process (cheap attribute reads)."""
    resources = getattr(state, "resources", None)
    engine = getattr(resources, "engine", None)
    pool = getattr(engine, "pool", None) if engine is not None else None
    if pool is not None and hasattr(pool, "checkedout"):
        POOL_CONNECTIONS.labels("sqlalchemy", "in_use").set(pool.checkedout())
        POOL_CONNECTIONS.labels("sqlalchemy", "idle").set(pool.checkedin())
    autosave = getattr(getattr(resources, "autosave", None), "connections", None)
    if autosave is not None and hasattr(autosave, "pop_stats"):
        stats = autosave.pop_stats()  # counters since the last pop: add them up
        size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
        POOL_CONNECTIONS.labels("autosave", "in_use").set(max(size - available, 0))
        POOL_CONNECTIONS.labels("autosave", "idle").set(available)
        POOL_WAITING.labels("autosave").set(stats.get("requests_waiting", 0))
        POOL_WAIT.labels("autosave").inc(stats.get("requests_wait_ms", 0) / 1000)
        POOL_CHECKOUTS.labels("autosave").inc(stats.get("requests_num", 0))
        POOL_TIMEOUTS.labels("autosave").inc(stats.get("requests_errors", 0))


class TimedQueuePool(AsyncAdaptedQueuePool):
    """The app engine's pool, counting checkouts, the time spent getting a connection (waiting
    for a free one, or opening a new one) and the waits that timed out."""

    def _do_get(self) -> ConnectionPoolEntry:
        started = time.perf_counter()
        try:
            entry = super()._do_get()
        except sa_exc.TimeoutError:
            _child(POOL_TIMEOUTS, "sqlalchemy").inc()
            raise
        finally:
            _child(POOL_WAIT, "sqlalchemy").inc(time.perf_counter() - started)
        _child(POOL_CHECKOUTS, "sqlalchemy").inc()
        return entry


async def sample_pools(app: Any) -> None:
    """Background job: sample the pools every few seconds (so gauges move between scrapes)."""
    try:
        while True:
            try:
                observe_pools(app.state)
            except Exception:
                log.exception("pool sampling failed")
            await asyncio.sleep(SAMPLE_SECONDS)
    finally:
        if os.environ.get(MULTIPROC_ENV):
            # this worker's gauges stop counting in the other workers' scrapes
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


# ---- the middleware ------------------------------------------------------------------------------


def _route(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    if route is not None and isinstance(getattr(route, "path", None), str):
        return str(route.path)
    if scope["path"].startswith("/static/"):
        return "/static"
    return "unmatched"  # never the raw path: a scan of random URLs must not grow the label set


def _autosave_outcome(status: int, body: bytes) -> str:
    if status == 200:
        return "unchanged" if b'"unchanged"' in body else "saved"
    if status == 503:
        return "busy" if b'"busy"' in body else "unavailable"
    if status == 429:
        return "rate_limited"
    if b'"stale"' in body:
        return "conflict"
    if b'"closed"' in body or b'"moved_on"' in body:
        return "closed"
    return "error" if status >= 500 else "rejected"


_CHILDREN: dict[tuple[Any, ...], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, remembered: the label sets are few (route templates, methods,
    status classes, outcomes), and the lookup runs on every request."""
    key = (metric, *labels)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*labels)
    return child


class MetricsMiddleware:
    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.token = settings.metrics_token.encode()
        self.allowed = [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in ("127.0.0.0/8,::1," + settings.metrics_allow_ips).split(",")
            if part.strip()
        ]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/metrics":
            await self._metrics(scope, send)
            return
        started = time.perf_counter()
        autosave = scope["method"] == "POST" and scope["path"].endswith("/answer")
        status = 500
        peek = b""

        async def send_and_watch(message: dict[str, Any]) -> None:
            nonlocal status, peek
            if message["type"] == "http.response.start":
                status = message["status"]
            elif autosave and message["type"] == "http.response.body" and len(peek) < 256:
                peek += message.get("body", b"")[:256]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            route = _route(scope)
            _child(REQUEST_DURATION, scope["method"], route, f"{status // 100}xx").observe(
                time.perf_counter() - started
            )
            if autosave and route.endswith("/answer"):
                _child(AUTOSAVE, _autosave_outcome(status, peek)).inc()

    def _allowed(self, scope: dict[str, Any]) -> bool:
        if self.token:
            for name, value in scope.get("headers", []):
                if name == b"authorization" and value.lower().startswith(b"bearer "):
                    if hmac.compare_digest(value[7:].strip(), self.token):
                        return True
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in net for net in self.allowed)

    async def _metrics(self, scope: dict[str, Any], send: Any) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            status, body, ctype = 405, b"method not allowed\n", b"text/plain; charset=utf-8"
        elif not self._allowed(scope):
            status, body, ctype = 403, b"metrics are not public\n", b"text/plain; charset=utf-8"
        else:
            app = scope.get("app")
            if app is not None:
                observe_pools(app.state)
            status, body, ctype = 200, render(), CONTENT_TYPE_LATEST.encode()
        headers = [(b"content-type", ctype), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
