"""The background sweeper: finalises abandoned attempts (finished_at = deadline) every few seconds,
deletes expired session rows, runs the after-commit handlers of events their emitting process left
unhandled and prunes handled events after `events_keep_days` (app/events/outbox.py).

Every app process runs one; a transaction-scoped advisory lock lets only one of them sweep at a
time, and the conditional updates make a finalisation happen once whoever else races.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events import outbox
from app.interviews import service
from app.web import metrics

log = logging.getLogger("mlmock.sweeper")


async def sweep_once(maker: async_sessionmaker[AsyncSession]) -> int | None:
    """One sweep in its own transaction; the number finalised, or None if another process is sweeping."""
    async with maker() as session, session.begin():
        return await service.sweep(session)


async def purge_sessions(maker: async_sessionmaker[AsyncSession]) -> int:
    """Delete expired session rows (idempotent: processes racing here delete each row once)."""
    from app.auth.service import purge_expired_sessions

    async with maker() as session, session.begin():
        return await purge_expired_sessions(session)


async def events_chores(maker: async_sessionmaker[AsyncSession], keep_days: int) -> None:
    """Events whose handlers did not run (the emitting process died after its commit), then pruning.
    Claims are per event (SKIP LOCKED), so processes racing here handle each event once."""
    if handled := await outbox.handle_pending(maker):
        log.info("sweeper handled pending events", extra={"count": handled})
    if pruned := await outbox.prune(maker, days=keep_days):
        log.info("sweeper pruned old events", extra={"count": pruned})


async def run(app: FastAPI) -> None:
    """Sweep forever (until cancelled at shutdown); errors are logged and the loop goes on."""
    interval = app.state.settings.sweep_interval_seconds
    while True:
        try:
            done = await sweep_once(app.state.resources.sessionmaker)
            metrics.SWEEPER_RUNS.labels("skipped" if done is None else "swept").inc()
            if done:
                metrics.SWEEPER_FINALISED.inc(done)
                log.info("sweeper finalised attempts", extra={"count": done})
            if done is not None and (purged := await purge_sessions(app.state.resources.sessionmaker)):
                log.info("sweeper purged expired sessions", extra={"count": purged})
            if done is not None:
                await events_chores(app.state.resources.sessionmaker, app.state.settings.events_keep_days)
        except asyncio.CancelledError:
            raise
        except Exception:
            metrics.SWEEPER_RUNS.labels("failed").inc()
            log.exception("sweep failed")
        await asyncio.sleep(interval)


async def sweep_url(url: str) -> tuple[int | None, int]:
    """`mlmock sweep`: one sweep against a database URL; (attempts finalised, sessions purged).
    Events left unhandled are handled and old ones pruned too, as in the background sweeper."""
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    try:
        maker = make_sessionmaker(engine)
        done, purged = await sweep_once(maker), await purge_sessions(maker)
        if done is not None:
            await events_chores(maker, get_settings().events_keep_days)
        return done, purged
    finally:
        await engine.dispose()
