"""The analytics refresher runs as a background job of every app process (app/analytics/jobs.py):
attempts finished while the app runs reach the summaries the pages read without `mlmock sweep`."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from app.analytics.synthetic import generate_attempts
from app.config import get_settings
from app.main import create_app
from app.questions.seedcheck import load_areas
from app.questions.service import create_question, ensure_topics
from tests.analytics.test_pages import _docs
from tests.live import LiveDb

pytestmark = pytest.mark.anyio


async def _count(live: LiveDb, sql: str) -> int:
    async with live.engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


@pytest.mark.slow  # the app's lifespan with its background jobs: it starts the import parsing process
async def test_the_app_refreshes_the_analytics_in_the_background(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_an_job")
    live = LiveDb(url)
    try:
        async with live.maker() as s:
            await ensure_topics(s, load_areas())
            for doc in _docs():
                await create_question(s, doc, author_id=None, status="published")
            await generate_attempts(s, 30, seed=3, items_per_attempt=8)
            await s.commit()
        assert await _count(live, "SELECT count(*) FROM analytics_dirty") == 30
        settings = get_settings().model_copy(update={"sweep_interval_seconds": 0.05})
        application = create_app(settings, database_url=url, background=True)
        async with application.router.lifespan_context(application):
            for _ in range(200):
                if not await _count(live, "SELECT count(*) FROM analytics_dirty"):
                    break
                await asyncio.sleep(0.05)
        assert await _count(live, "SELECT count(*) FROM analytics_dirty") == 0
        assert await _count(live, "SELECT coalesce(sum(n), 0) FROM an_question_day") == 30 * 8
    finally:
        await live.close()
