"""Two actors at once (real commits, concurrent requests): a mentor's queue loaded in several tabs
and claims made together give one pending anchor presentation at a time, never two reviews of one
stand-in attempt; new mentors arriving together share one stand-in account."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text

from app.interviews import formats
from app.questions.models import Question
from app.reviews import anchors
from tests.live import LiveDb, live_database
from tests.reviews.conftest import ANSWERS, build_bank, format_doc

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def anchor_url(make_database) -> str:  # type: ignore[no-untyped-def]
    return live_database(make_database("mlmock_anc"), lambda s: build_bank(s, prefix="anc"))


@pytest.fixture
async def live(anchor_url: str) -> AsyncIterator[LiveDb]:
    ldb = LiveDb(anchor_url, app_pool_size=12)
    yield ldb
    await ldb.close()


async def test_concurrent_tabs_and_claims(live: LiveDb) -> None:
    async with live.maker() as s:
        doc = format_doc(
            prefix="anc", title="Blind race", slots=[{"external_id": "anc-text"}], blind_review=True
        )
        fmt = await formats.save_format(s, doc, admin=None)
        qid = (await s.execute(select(Question.id).where(Question.external_id == "anc-text"))).scalar_one()
        await s.commit()
    application = live.app()
    admin_user, _ = await live.users.create(roles=["candidate", "mentor", "admin"])
    admin = await live.client(application, admin_user.email)
    clients: list[Any] = [admin]
    try:
        for levels in ([2, 1], [1, 3], [0, 0], [1, 1]):
            body = {
                "question_id": str(qid),
                "format_id": str(fmt.id),
                "answer_text": ANSWERS["free_text"]["text"],
                "levels": levels,
                "recommendation": "yes",
                "rationale": "A reference rationale of some length.",
            }
            assert (await admin.post("/api/v1/anchors", json=body)).status_code == 201
        mentors = []
        for _ in range(3):
            user, _ = await live.users.create(roles=["candidate", "mentor"])
            mentors.append((user, await live.client(application, user.email)))
        clients += [c for _, c in mentors]
        # every new mentor opens the queue in four tabs at once
        pages = await asyncio.gather(*(c.get("/reviews") for _, c in mentors for _ in range(4)))
        assert {p.status_code for p in pages} == {200}
        async with live.engine.connect() as conn:
            per_mentor = dict(
                (
                    await conn.execute(text("SELECT mentor_id, count(*) FROM anchor_presentation GROUP BY 1"))
                ).all()
            )
            stand_ins = (
                await conn.execute(
                    text("SELECT count(*) FROM app_user WHERE email = :e"), {"e": anchors.STAND_IN_EMAIL}
                )
            ).scalar()
        assert per_mentor == {u.id: 1 for u, _ in mentors}
        assert stand_ins == 1
        # one mentor claims three times at once: three different stand-in attempts, one review each
        user, c = mentors[0]
        claims = await asyncio.gather(*(c.post("/api/v1/reviews/claims") for _ in range(3)))
        assert [r.status_code for r in claims] == [201, 201, 201], [r.text for r in claims]
        got = {uuid.UUID(r.json()["attempt_id"]) for r in claims}
        async with live.engine.connect() as conn:
            presented = set(
                (
                    await conn.execute(
                        text("SELECT attempt_id FROM anchor_presentation WHERE mentor_id = :m"),
                        {"m": user.id},
                    )
                ).scalars()
            )
            reviews = (
                await conn.execute(
                    text("SELECT attempt_id, count(*) FROM review WHERE attempt_id = ANY(:ids) GROUP BY 1"),
                    {"ids": list(got)},
                )
            ).all()
        assert len(got) == 3 and got <= presented
        assert all(n == 1 for _, n in reviews)
    finally:
        for cl in clients:
            await cl.aclose()
        await application.state.resources.engine.dispose()
