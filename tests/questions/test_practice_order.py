"""The candidates' practice list shows its rows in the list's own order: a search's best match
first, whatever its topic; without a search, one section per topic in the topic order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from app.questions.models import Topic
from tests.questions.conftest import make_doc

pytestmark = pytest.mark.anyio

# ranked title above prompt (tests/questions/test_search.py): the best match is in the later
# topic of the seed tree, so sections in topic order would put it last
DOCS = [
    make_doc(title="Bagging variance", prompt="Explain the idea.", topic="supervised/trees-ensembles"),
    make_doc(title="Step sizes", prompt="How does bagging change what you tune?"),
]


async def _published(as_role) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    for doc in DOCS:
        r = await admin.post("/api/v1/questions", json=doc)
        assert r.status_code == 201, r.text
        assert (await admin.post(f"/api/v1/questions/{r.json()['id']}/publish")).status_code == 200


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/questions/[0-9a-f-]+">([^<]+)</a>', html)


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


async def test_a_search_lists_the_best_match_first_whatever_its_topic(as_role, topics) -> None:  # type: ignore[no-untyped-def]
    await _published(as_role)
    candidate = await as_role("candidate")
    api = await candidate.get("/api/v1/questions", params={"q": "bagging"})
    ranked = [i["title"] for i in api.json()["items"]]
    assert ranked == ["Bagging variance", "Step sizes"]
    for headers in ({}, {"HX-Request": "true"}):
        page = await candidate.get("/questions", params={"q": "bagging"}, headers=headers)
        assert page.status_code == 200
        assert _titles(page.text) == ranked
        # each row still says its topic
        assert "Decision trees and ensembles" in page.text and "Gradient descent" in page.text


async def test_without_a_search_the_sections_follow_the_topic_order(as_role, topics, db) -> None:  # type: ignore[no-untyped-def]
    await _published(as_role)
    candidate = await as_role("candidate")
    before = _headings((await candidate.get("/questions")).text)
    assert len(before) == 2 and len(set(before)) == 2
    # an admin puts the later area first: the sections follow, one per topic
    async with db() as s:
        areas = {t.slug: t for t in (await s.execute(Topic.__table__.select())).all() if t.parent_id is None}
        await s.execute(update(Topic).where(Topic.id == areas["optimisation"].id).values(position=1000))
        await s.commit()
    after = _headings((await candidate.get("/questions")).text)
    assert after == list(reversed(before))


async def test_two_tied_topics_get_one_section_each(as_role, topics, db) -> None:  # type: ignore[no-untyped-def]
    # an admin named two topics of one area alike at one position: their questions interleave by
    # title in the list, and the page still shows one section (one heading id) per topic
    async with db() as s:
        await s.execute(
            update(Topic)
            .where(Topic.slug.in_(["convexity", "gradient-descent"]))
            .values(name="Basics", position=0)
        )
        await s.commit()
    admin = await as_role("admin")
    for title, topic in (("Alpha", "convexity"), ("Beta", "gradient-descent"), ("Gamma", "convexity")):
        r = await admin.post("/api/v1/questions", json=make_doc(title=title, topic=f"optimisation/{topic}"))
        assert (await admin.post(f"/api/v1/questions/{r.json()['id']}/publish")).status_code == 200
    html = (await (await as_role("candidate")).get("/questions")).text
    ids = re.findall(r'<h2 id="(topic-\d+)"', html)
    assert len(ids) == 2 and len(set(ids)) == 2
    assert sorted(_titles(html)) == ["Alpha", "Beta", "Gamma"]
