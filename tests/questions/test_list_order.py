"""The lists' orders, page by page: the same questions in the same order as sorting the joined rows
by the current version's lower(title) (what the lists did before they read their order from an
index on the question's own copies), for candidates (published only, topic order by default) and
admins (newest first, by title, by difficulty), filtered or not; topics that tie on every key
interleave their questions by title; a new version's title moves its question."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import text, update

from app.questions.models import Question, Topic
from tests.questions.conftest import make_doc

pytestmark = pytest.mark.anyio

# case, accents, digits and punctuation: whatever lower() and the collation make of them
TITLES = ["alpha", "Alpha", "ALPHA two", "beta", "Bravo", "Émile", "émile", "zeta", "Zulu", "_under"]
TITLES += ["10 items", "9 items", "Ω last", "delta", "Delta", "echo"]
TOPICS = [
    "optimisation/gradient-descent",
    "optimisation/convexity",
    "supervised/regularisation",
    "evaluation/metrics",
]

ORDERS = {
    "topic": "a.position, a.name, t.position, t.name, lower(v.title), q.id",
    "updated": "q.updated_at DESC, q.id",
    "title": "lower(v.title), q.id",
    "difficulty": "v.difficulty, lower(v.title), q.id",
}
REFERENCE = """
SELECT q.id::text FROM question q JOIN question_version v ON v.id = q.current_version_id
JOIN topic t ON t.id = q.topic_id LEFT JOIN topic a ON a.id = t.parent_id
WHERE {where} ORDER BY {order}"""


@pytest.fixture
async def bank(as_role, topics, db):  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    ids = []
    for i, title in enumerate(TITLES):
        doc = make_doc(
            title=title,
            topic=TOPICS[i % len(TOPICS)],
            difficulty=1 + i % 3,
            kind="numeric" if i % 4 == 0 else "free_text",
            numeric={"value": 1.0, "tolerance": 0.5} if i % 4 == 0 else None,
        )
        r = await admin.post("/api/v1/questions", json=doc)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        if i % 5 != 4:  # every fifth stays a draft
            assert (await admin.post(f"/api/v1/questions/{ids[-1]}/publish")).status_code == 200
    # a new version renames "zeta": the question moves to its new title's place
    r = await admin.put(f"/api/v1/questions/{ids[7]}", json=make_doc(title="Aardvark", topic=TOPICS[3]))
    assert r.status_code == 200, r.text
    async with db() as s:
        # two topics that tie on position and name: their questions interleave by title
        gd = (await s.execute(text("SELECT id FROM topic WHERE slug = 'gradient-descent'"))).scalar_one()
        await s.execute(update(Topic).where(Topic.slug == "convexity").values(position=-1, name="Tied"))
        await s.execute(update(Topic).where(Topic.id == gd).values(position=-1, name="Tied"))
        # a question hanging on an area itself (it sorts after every area's topics)
        area = (await s.execute(text("SELECT id FROM topic WHERE slug = 'supervised'"))).scalar_one()
        await s.execute(update(Question).where(Question.id == ids[5]).values(topic_id=area))
        await s.commit()
    return admin, ids


async def _reference(db: Any, order: str, where: list[str]) -> list[str]:
    async with db() as s:
        sql = REFERENCE.format(where=" AND ".join(where or ["true"]), order=ORDERS[order])
        return list((await s.execute(text(sql))).scalars())


async def _pages(client: Any, path: str, params: dict[str, Any], per_page: int) -> tuple[list[str], int]:
    """Every page's ids in turn (and one past the end, which is empty), and the total."""
    found: list[str] = []
    page = 1
    while True:
        r = await client.get(path, params={**params, "per_page": per_page, "page": page})
        assert r.status_code == 200, r.text
        body = r.json()
        if not body["items"]:
            assert page == body["pages"] + 1 or body["total"] == 0
            return found, body["total"]
        found += [i["id"] for i in body["items"]]
        page += 1


async def test_candidates_see_published_questions_in_topic_order(bank, as_role, db) -> None:
    candidate = await as_role("candidate")
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({}, []),
        ({"kind": "numeric"}, ["v.kind = 'numeric'"]),
        ({"difficulty": 2}, ["v.difficulty = 2"]),
    ]
    async with db() as s:
        area = (await s.execute(text("SELECT id FROM topic WHERE slug = 'optimisation'"))).scalar_one()
    cases.append(({"topic": area}, [f"(t.id = {area} OR t.parent_id = {area})"]))
    for params, where in cases:
        want = await _reference(db, "topic", ["q.status = 'published'", *where])
        assert want, params
        for per_page in (1, 3, 50):
            found, total = await _pages(candidate, "/api/v1/questions", {**params, "sort": "topic"}, per_page)
            assert (found, total) == (want, len(want)), (params, per_page)
    # the page itself: topic order by default, the same rows in the same order (under a heading
    # per topic; tests/questions/test_practice_order.py)
    want = await _reference(db, "topic", ["q.status = 'published'"])
    for page in (1, 2, 3):
        html = (await candidate.get("/questions", params={"per_page": 5, "page": page})).text
        shown = re.findall(r'<a href="/questions/([0-9a-f-]{36})">', html)
        params = {"sort": "topic", "per_page": 5, "page": page}
        items = (await candidate.get("/api/v1/questions", params=params)).json()["items"]
        assert [i["id"] for i in items] == want[(page - 1) * 5 : page * 5]
        sections: dict[int, list[str]] = {}  # tied topics interleave: one section each
        for i in items:
            sections.setdefault(i["topic_id"], []).append(i["id"])
        assert shown == [qid for ids in sections.values() for qid in ids]
        assert f"{len(want)} published questions" in html


async def test_admins_lists_keep_their_orders(bank, db) -> None:
    admin, _ = bank
    for sort in ("updated", "title", "difficulty", "topic"):
        for params, where in (
            ({}, []),
            ({"status": "draft"}, ["q.status = 'draft'"]),
            ({"kind": "free_text"}, ["v.kind = 'free_text'"]),
        ):
            want = await _reference(db, sort, where)
            found, total = await _pages(admin, "/api/v1/questions", {**params, "sort": sort}, 3)
            assert (found, total) == (want, len(want)), (sort, params)
