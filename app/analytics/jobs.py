"""The analytics refresher as a background job of every app process (one refreshes at a time)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analytics.refresh import refresh

log = logging.getLogger("mlmock.analytics")
BATCH = 500


async def refresh_once(maker: async_sessionmaker[AsyncSession], *, batch: int = BATCH) -> int:
    """One batch in its own transaction; the number of attempts recomputed."""
    async with maker() as session, session.begin():
        return await refresh(session, batch=batch)


async def run(app: FastAPI) -> None:
    """Refresh forever (until cancelled at shutdown): drain the queue, then wait a sweep interval."""
    interval = app.state.settings.sweep_interval_seconds
    while True:
        try:
            taken = await refresh_once(app.state.resources.sessionmaker)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("analytics refresh failed")
            taken = 0
        # a full batch means more is queued: go on at once (other requests still get their turn)
        await asyncio.sleep(0 if taken >= BATCH else interval)
