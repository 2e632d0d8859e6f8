"""Two admins (or a double click) adding the same topic, or moving two topics with one slug into
one area, at the same moment: both passed the "slug is free" check before either was stored, and
the second insert hit the unique index: 500. Over real concurrent connections the second now gets
the same 422 form as when the slug was already taken, and one topic is stored."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest
from sqlalchemy import text

from tests import factories
from tests.live import LiveDb, live_database

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def topics_url(make_database) -> str:  # type: ignore[no-untyped-def]
    return live_database(make_database("mlmock_topics"), factories.seed_topics)


@pytest.fixture
async def live(topics_url: str):  # type: ignore[no-untyped-def]
    ldb = LiveDb(topics_url, app_pool_size=8)
    yield ldb
    await ldb.close()


async def _count(live: LiveDb, slug: str) -> int:
    async with live.engine.connect() as conn:
        return int(
            (await conn.execute(text("SELECT count(*) FROM topic WHERE slug = :s"), {"s": slug})).scalar_one()
        )


async def test_the_same_topic_added_twice_at_once_is_one_topic_and_a_422(live: LiveDb) -> None:
    application = live.app()
    user, _ = await live.users.create(roles=["candidate", "mentor", "admin"])
    admin = await live.client(application, user.email)
    try:
        page = (await admin.get("/admin/topics")).text
        area = re.search(r'<option value="(\d+)"', page)
        assert area is not None
        for parent in ("", area.group(1)):  # an area, then a topic inside an area
            slug = f"race-{uuid.uuid4().hex[:6]}"
            form = {"name": "Race condition", "slug": slug, "parent_id": parent}
            replies = await asyncio.gather(*(admin.post("/admin/topics", data=form) for _ in range(3)))
            codes = sorted(r.status_code for r in replies)
            assert codes[0] == 303 and set(codes[1:]) <= {303, 422}, [r.text[-500:] for r in replies]
            assert all("already a" in r.text for r in replies if r.status_code == 422)
            assert await _count(live, slug) == 1
    finally:
        await admin.aclose()
        await application.state.resources.engine.dispose()


async def test_two_topics_with_one_slug_moved_into_one_area_at_once(live: LiveDb) -> None:
    application = live.app()
    user, _ = await live.users.create(roles=["candidate", "mentor", "admin"])
    admin = await live.client(application, user.email)
    try:
        slug = f"moved-{uuid.uuid4().hex[:6]}"
        async with live.engine.connect() as conn:
            areas = (
                (await conn.execute(text("SELECT id FROM topic WHERE parent_id IS NULL ORDER BY id LIMIT 3")))
                .scalars()
                .all()
            )
        for area in areas[:2]:
            form = {"name": "Moved", "slug": slug, "parent_id": str(area)}
            assert (await admin.post("/admin/topics", data=form)).status_code == 303
        async with live.engine.connect() as conn:
            ids = (
                (await conn.execute(text("SELECT id FROM topic WHERE slug = :s"), {"s": slug}))
                .scalars()
                .all()
            )
        replies = await asyncio.gather(
            *(admin.post(f"/admin/topics/{t}/move", data={"parent_id": str(areas[2])}) for t in ids)
        )
        assert sorted(r.status_code for r in replies) == [303, 422], [r.text[-500:] for r in replies]
        async with live.engine.connect() as conn:
            parents = (
                (await conn.execute(text("SELECT parent_id FROM topic WHERE slug = :s"), {"s": slug}))
                .scalars()
                .all()
            )
        assert sorted(parents, key=str).count(areas[2]) == 1
    finally:
        await admin.aclose()
        await application.state.resources.engine.dispose()
