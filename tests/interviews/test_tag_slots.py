"""A format slot that draws by tag ("2 published questions tagged convexity"): the draw's SQL used
`ARRAY.contains()` on a column declared with the generic ARRAY type, which SQLAlchemy refuses
(NotImplementedError), so starting such an interview and previewing the slot in the admin's format
builder both answered 500. The pool is now filtered with `@>` (the GIN index on tags)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.questions.native import Kind, QuestionDoc
from tests import factories
from tests.interviews.conftest import TOPIC, MakeFormat, start

pytestmark = pytest.mark.anyio


async def tagged(db: async_sessionmaker[AsyncSession]) -> None:
    docs = [
        QuestionDoc(
            external_id=f"tag-{n}",
            topic=TOPIC,
            title=f"Tagged {n}",
            kind=Kind.free_text,
            prompt="Why is $x^2$ convex?",
            tags=["convexity", "red"] if n < 2 else ["red"],
            difficulty=2,
        )
        for n in range(3)
    ]
    async with db() as s:
        await factories.publish_questions(s, docs)
        await s.commit()


async def test_an_interview_drawing_by_tag_starts_with_tagged_questions(
    make_format: MakeFormat, as_role, db
) -> None:  # type: ignore[no-untyped-def]
    await tagged(db)
    fmt = await make_format(slots=[{"count": 2, "tags": ["convexity", "red"]}])
    cand = await as_role("candidate")
    attempt = await start(cand, fmt.id)
    assert sorted(i["title"] for i in attempt["items"]) == ["Tagged 0", "Tagged 1"]


async def test_the_format_builder_counts_a_tag_slots_pool(make_format: MakeFormat, as_role, db) -> None:  # type: ignore[no-untyped-def]
    await tagged(db)
    fmt = await make_format(status="draft", slots=[{"count": 3, "tags": ["convexity"]}])
    admin = await as_role("admin")
    r = await admin.get(f"/admin/formats/{fmt.id}")
    assert r.status_code == 200, r.text
    assert "Needs 3 published question(s); only 2 match" in r.text
