"""A native JSON file that lists an area (or a topic of an area) twice is refused, not read one way.

Two entries for the slug "ar" named differently ("A", then "A2", topic "T" then "T2") were imported
without a word, the names taken from whichever entry the import happened to use: what went in did
not come out. The file now gets a problem naming the repeated slug, and nothing is stored.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.questions.models import Question, Topic

pytestmark = pytest.mark.anyio

QUESTION = {"topic": "ar/t", "title": "Q", "kind": "free_text", "prompt": "Why?", "difficulty": 1}


@pytest.mark.parametrize(
    ("areas", "said"),
    [
        (
            [
                {"slug": "ar", "name": "A", "topics": [{"slug": "t", "name": "T"}]},
                {"slug": "ar", "name": "A2", "topics": [{"slug": "t", "name": "T2"}]},
            ],
            "area 'ar' is listed twice",
        ),
        (
            [
                {
                    "slug": "ar",
                    "name": "A",
                    "topics": [{"slug": "t", "name": "T"}, {"slug": "t", "name": "T2"}],
                }
            ],
            "topic 'ar/t' is listed twice",
        ),
    ],
    ids=["area", "topic"],
)
async def test_a_repeated_area_or_topic_is_refused(as_role, db, areas, said: str) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    bank = {"format_version": 1, "areas": areas, "questions": [QUESTION]}
    r = await admin.post("/api/v1/imports?format=json", content=json.dumps(bank).encode())
    assert r.status_code == 422, r.text
    assert any(said in p["message"] for p in r.json()["problems"]), r.json()["problems"]
    async with db() as s:
        assert (await s.execute(select(func.count()).select_from(Question))).scalar_one() == 0
        assert (await s.execute(select(func.count()).select_from(Topic))).scalar_one() == 0
