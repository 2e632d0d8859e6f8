"""Analytics pages are cached per refresh generation (app/analytics/cache.py): through HTTP, what
the refresher adds is visible on the next page load, and a question's new title at once."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analytics.refresh import refresh_all
from app.analytics.synthetic import generate_attempts
from app.questions.models import Question
from app.questions.service import add_version
from tests.analytics.test_pages import _docs
from tests.factories import publish_questions

pytestmark = pytest.mark.anyio


async def _csv(client, path: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    response = await client.get(path, params={"export": "csv"})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.text)))


async def _used(client) -> int:  # type: ignore[no-untyped-def]
    return sum(int(r["used"]) for r in await _csv(client, "/admin/analytics"))


async def _reviews(client) -> int:  # type: ignore[no-untyped-def]
    return sum(int(r["reviews"]) for r in await _csv(client, "/admin/analytics/mentors"))


async def _weeks(client) -> int:  # type: ignore[no-untyped-def]
    return sum(int(r["attempts"]) for r in await _csv(client, "/admin/analytics/topics"))


async def test_a_refresh_shows_new_data_and_a_new_version_its_title(
    as_role, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as s:
        await publish_questions(s, _docs())
        await generate_attempts(s, 60, seed=1, items_per_attempt=8)
        await refresh_all(s)
        await s.commit()
    admin = await as_role("admin")
    assert await _used(admin) == 60 * 8
    reviews, weeks = await _reviews(admin), await _weeks(admin)
    assert reviews > 0 and weeks == 60 * 8
    qid = next(iter((await admin.get("/admin/analytics")).text.split("/admin/analytics/questions/")[1:]))[:36]
    summary = await admin.get(f"/admin/analytics/questions/{qid}/summary")
    assert summary.status_code == 200

    async with db() as s:  # more finished attempts: queued for the refresher, not yet in the summaries
        await generate_attempts(s, 40, seed=2, items_per_attempt=8)
        await s.commit()
    assert await _used(admin) == 60 * 8

    async with db() as s:  # the refresher runs: every page shows the new attempts on its next load
        assert await refresh_all(s) == 40
        await s.commit()
    assert await _used(admin) == 100 * 8
    assert await _weeks(admin) == 100 * 8
    assert await _reviews(admin) > reviews
    assert (await admin.get(f"/admin/analytics/questions/{qid}/summary")).text != summary.text

    async with db() as s:  # a new version renames a question: the table shows the new title at once
        question = (await s.execute(select(Question).where(Question.external_id == "an-text-2"))).scalar_one()
        doc = next(d for d in _docs() if d.external_id == "an-text-2")
        await add_version(s, question, doc.model_copy(update={"title": "Renamed text 2"}), author_id=None)
        await s.commit()
    titles = {r["question"] for r in await _csv(admin, "/admin/analytics")}
    assert "Renamed text 2" in titles and "Text 2" not in titles


async def test_a_refresh_empties_the_cache_of_the_older_generation(
    as_role, app, db: async_sessionmaker[AsyncSession]
) -> None:
    """Pages of an older generation are never served again (every load reads the newest token), so
    they leave the cache at the next store instead of staying until 64 newer pages push them out:
    a process keeps one generation of pages, and its full garbage collections walk no more."""
    from app.analytics.cache import page_cache

    async with db() as s:
        await publish_questions(s, _docs())
        await generate_attempts(s, 30, seed=5, items_per_attempt=8)
        await refresh_all(s)
        await s.commit()
    admin = await as_role("admin")
    await _used(admin), await _reviews(admin)
    cache = page_cache(app)
    assert len(cache.entries) == 2
    older = {generation for generation, _ in cache.entries}
    async with db() as s:
        await generate_attempts(s, 10, seed=6, items_per_attempt=8)
        assert await refresh_all(s) == 10
        await s.commit()
    assert await _used(admin) == 40 * 8
    assert len(cache.entries) == 1 and not {generation for generation, _ in cache.entries} & older
    assert await _reviews(admin) > 0 and len(cache.entries) == 2
