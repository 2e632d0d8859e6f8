"""The one rate limiter: 429 + Retry-After, per user and per client IP.

Two stores, chosen per limit:

- **Postgres** (`rate_limit`, an UNLOGGED table): a sliding-window counter per key, updated by
  one upsert that counts the hit and returns the counts in the same round trip. Every app
  process shares it, so N processes still allow the configured rate in total. Used for
  registration, search, imports, previews and audit writes. UNLOGGED: no WAL, and a Postgres
  crash empties it (limits restart from zero, which is harmless). A @read_only page sends the
  same upsert on its own autocommit connection (app/db.py, AUTOCOMMIT) instead of the store's
  pool: one checkout per request, and the count is kept at once just the same.
- **In process** (`TokenBucket`): for autosave, the hot path, where a round trip per save
  would cost more than the save. Per process: with N processes a client can get up to N× the
  configured rate. It is a flood guard set far above what a typing candidate sends (the page
  debounces 800 ms: ≈1.25 saves/s), not a quota.

Limits are settings (`MLMOCK_RATE_<BUCKET>_PER_USER` / `_PER_IP`, text like "120/minute").
A refused hit still counts, so a client that keeps hammering stays refused; one that waits
`Retry-After` seconds gets through.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

import psycopg
from fastapi import Request
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.config import get_settings
from app.db import AUTOCOMMIT, Base
from app.errors import TooManyRequests
from app.kit import clock
from app.kit.net import client_ip

log = logging.getLogger("mlmock.ratelimit")


class RateLimitCounter(Base):
    __tablename__ = "rate_limit"
    __table_args__ = {"prefixes": ["UNLOGGED"]}  # noqa: RUF012 - SQLAlchemy's declarative form

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_seconds: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)
    prev_hits: Mapped[int] = mapped_column(Integer)


# ---- rates ---------------------------------------------------------------------------------------

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    @lru_cache
    def parse(cls, value: str) -> Rate:
        """ "120/minute", "10/hour", "5/15minutes"."""
        match = _RATE.match(value)
        if not match:
            raise ValueError(f"not a rate: {value!r} (write e.g. '120/minute')")
        count, n, unit = match.groups()
        return cls(int(count), int(n or 1) * _UNITS[unit])


def validate_rate(value: str) -> str:
    Rate.parse(value)
    return value


# ---- the Postgres store ---------------------------------------------------------------------------

_HIT_SQL = """
INSERT INTO rate_limit AS r (key, window_start, window_seconds, hits, prev_hits)
SELECT k, w, s, 1, 0 FROM (VALUES {rows}) AS t(k, w, s)
ON CONFLICT (key) DO UPDATE SET
  prev_hits = CASE
    WHEN r.window_start = excluded.window_start THEN r.prev_hits
    WHEN r.window_start = excluded.window_start - make_interval(secs => excluded.window_seconds) THEN r.hits
    ELSE 0 END,
  hits = CASE WHEN r.window_start = excluded.window_start THEN r.hits + 1 ELSE 1 END,
  window_start = excluded.window_start,
  window_seconds = excluded.window_seconds
RETURNING key, hits, prev_hits
"""
# One row of scalar parameters per key (a request has one or two): cheaper to send than arrays.
_ROW = "(%s::text, to_timestamp(%s::double precision), %s::int)"


@lru_cache
def hit_sql(keys: int) -> str:
    """The counting upsert for `keys` keys: (key, window start in epoch seconds, window seconds) each."""
    return _HIT_SQL.format(rows=", ".join([_ROW] * keys))


PURGE_SQL = "DELETE FROM rate_limit WHERE window_start < now() - interval '2 days'"


class Store(Protocol):
    async def hit(self, rows: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]: ...


class PoolStore:
    """The running app: one autocommit round trip per check, on a small pool of its own."""

    def __init__(self, url: str, *, max_size: int = 4) -> None:
        libpq = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.pool = AsyncConnectionPool(
            libpq, min_size=1, max_size=max_size, open=False, timeout=2, kwargs={"autocommit": True}
        )
        self._opened = False

    async def open(self) -> None:
        if not self._opened:
            await self.pool.open()
            self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self.pool.close()
            self._opened = False

    async def hit(self, rows: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        """Count one hit per (key, window start in epoch seconds, window seconds); each key's
        (key, hits, previous window's hits) after it."""
        await self.open()
        params = [value for row in rows for value in row]
        async with self.pool.connection() as conn:
            counted = await (await conn.execute(hit_sql(len(rows)), params)).fetchall()
            if random.random() < 0.001:  # now and then, forget windows long past
                await conn.execute(PURGE_SQL)
        return [(k, h, p) for k, h, p in counted]


def store(state: Any) -> Store:
    found: Store = state.resources.ratelimit  # app/runtime.py
    return found


def too_many(message: str, retry_after: float) -> TooManyRequests:
    exc = TooManyRequests(message)
    exc.retry_after = max(1, math.ceil(retry_after))
    return exc


def _retry_after(rate: Rate, hits: int, prev: int, elapsed: float) -> float:
    """Seconds until one more hit fits in the sliding estimate, if none come meanwhile."""
    s, limit = rate.seconds, rate.limit
    if hits + 1 <= limit and prev > 0:
        return max(0.0, s * (1 - (limit - hits - 1) / prev) - elapsed)
    # this window alone is full: wait for it to end, then for it to decay as the previous one
    return (s - elapsed) + s * max(0.0, 1 - (limit - 1) / max(hits, 1))


async def _hit_on(conn: Any, rows: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The store's upsert on the psycopg connection a @read_only page holds already (app/db.py,
    AUTOCOMMIT): the same statement, kept at once, without a second checkout."""
    params = [value for row in rows for value in row]
    counted = await (await conn.execute(hit_sql(len(rows)), params)).fetchall()
    if random.random() < 0.001:  # now and then, forget windows long past
        await conn.execute(PURGE_SQL)
    return [(k, h, p) for k, h, p in counted]


async def check(state: Any, keys: list[tuple[str, Rate]], *, message: str, conn: Any = None) -> None:
    """Count one hit for each key; raise 429 (with Retry-After) when any is over its rate.
    `conn`: the request's autocommit psycopg connection, used instead of the store's pool when given."""
    if not keys or not get_settings().rate_limits_enabled:
        return
    now = clock.now().timestamp()
    starts = [math.floor(now / rate.seconds) * rate.seconds for _, rate in keys]
    wanted = [(key, start, rate.seconds) for (key, rate), start in zip(keys, starts, strict=True)]
    try:
        rows = await (_hit_on(conn, wanted) if conn is not None else store(state).hit(wanted))
    except (psycopg.OperationalError, PoolTimeout):
        # The limiter never adds an outage of its own: without Postgres the request fails anyway.
        log.warning("rate limit store unavailable; allowing the request")
        return
    counts = {key: (hits, prev) for key, hits, prev in rows}
    wait = 0.0
    for (key, rate), start in zip(keys, starts, strict=True):
        hits, prev = counts[key]
        elapsed = now - start
        if prev * (1 - elapsed / rate.seconds) + hits > rate.limit:
            wait = max(wait, _retry_after(rate, hits, prev, elapsed))
    if wait:
        raise too_many(message, wait)


def bucket_keys(request: Request, bucket: str, *, user_id: object | None = None) -> list[tuple[str, Rate]]:
    """The per-user and per-IP keys of one bucket, with their configured rates."""
    s = get_settings()
    keys: list[tuple[str, Rate]] = []
    if user_id is not None:
        keys.append((f"{bucket}:u:{user_id}", Rate.parse(getattr(s, f"rate_{bucket}_per_user"))))
    if ip := client_ip(request):
        keys.append((f"{bucket}:ip:{ip}", Rate.parse(getattr(s, f"rate_{bucket}_per_ip"))))
    return keys


MESSAGES = {
    "search": "Too many searches in a short time. Wait a moment and try again.",
    "import": "Too many imports in a short time. Wait a while and try again.",
    "preview": "Too many previews in a short time. Wait a moment and try again.",
    "register": "Too many sign-ups from this address. Try again later.",
}


def limit(bucket: str) -> Any:
    """A route dependency: `dependencies=[Depends(marker), Depends(limit("search"))]` (after the
    access marker, which resolves the user)."""

    async def rate_limited(request: Request) -> None:
        identity = getattr(request.state, "identity", None)
        user_id = identity.user.id if identity is not None else None
        await check(
            request.app.state,
            bucket_keys(request, bucket, user_id=user_id),
            message=MESSAGES[bucket],
            conn=request.scope.get(AUTOCOMMIT),
        )

    rate_limited.__name__ = f"rate_limit_{bucket}"
    return rate_limited


# ---- the in-process token bucket (autosave) --------------------------------------------------------


class TokenBucket:
    """`rate` tokens per second up to `burst`; one per hit. Per process (see the module doc)."""

    def __init__(self) -> None:
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str, *, rate: float, burst: int) -> float:
        """0 when allowed; otherwise the seconds until a token is back."""
        now = time.monotonic()
        tokens, at = self.buckets.get(key, (float(burst), now))
        tokens = min(float(burst), tokens + (now - at) * rate)
        if len(self.buckets) > 50_000:  # forget idle clients (a full bucket is the default anyway)
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < burst / rate}
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / rate
        self.buckets[key] = (tokens - 1, now)
        return 0.0


def autosave_guard(state: Any, request: Request, credential: bytes | None) -> None:
    """Raise 429 when a session/token or an IP saves faster than the flood guard allows."""
    s = get_settings()
    if not s.rate_limits_enabled:
        return
    bucket: TokenBucket | None = getattr(state, "autosave_buckets", None)
    if bucket is None:
        bucket = state.autosave_buckets = TokenBucket()
    wait = 0.0
    if credential is not None:
        wait = bucket.take("c:" + credential.hex(), rate=s.autosave_rate_per_second, burst=s.autosave_burst)
    if not wait and (ip := client_ip(request)):
        wait = bucket.take("ip:" + ip, rate=s.autosave_ip_rate_per_second, burst=s.autosave_ip_burst)
    if wait:
        raise too_many("Saving too fast; retrying shortly.", wait)
