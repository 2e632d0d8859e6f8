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
from tests.reviews.conftest import ANSWERS, build_bank, format_doc, take_interview

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def anchor_url(make_database) -> str:  # type: ignore[no-untyped-def]
    return live_database(make_database("mlmock_anc"), lambda s: build_bank(s, prefix="anc"))


@pytest.fixture
async def live(anchor_url: str) -> AsyncIterator[LiveDb]:
    ldb = LiveDb(anchor_url, app_pool_size=12)
    yield ldb
    await ldb.close()


async def _blind_format(live: LiveDb, title: str) -> tuple[Any, uuid.UUID]:
    """A blind format of the one free-text question (committed), and that question's id."""
    async with live.maker() as s:
        doc = format_doc(prefix="anc", title=title, slots=[{"external_id": "anc-text"}], blind_review=True)
        fmt = await formats.save_format(s, doc, admin=None)
        qid = (await s.execute(select(Question.id).where(Question.external_id == "anc-text"))).scalar_one()
        await s.commit()
    return fmt, qid


async def test_concurrent_tabs_and_claims(live: LiveDb) -> None:
    fmt, qid = await _blind_format(live, "Blind race")
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


async def test_marking_one_answer_as_anchor_twice_at_once_makes_one_anchor(live: LiveDb) -> None:
    """A double click on "Mark as anchor" (or a second tab): two submits of the same real answer
    together give one anchor; the other is a 409 with a message (the database decides)."""
    fmt, _ = await _blind_format(live, "Blind double")
    application = live.app()
    cand_user, _ = await live.users.create(roles=["candidate"])
    admin_user, _ = await live.users.create(roles=["candidate", "mentor", "admin"])
    cand = await live.client(application, cand_user.email)
    admins = [await live.client(application, admin_user.email) for _ in range(2)]  # two tabs
    try:
        attempt = await take_interview(cand, fmt.id)
        async with live.engine.connect() as conn:
            item_id = (
                await conn.execute(
                    text("SELECT id FROM attempt_item WHERE attempt_id = :a"), {"a": attempt["id"]}
                )
            ).scalar_one()
        form = {
            "item_id": str(item_id),
            "format_id": str(fmt.id),
            "answer_text": ANSWERS["free_text"]["text"],
            "level-0": "1",
            "level-1": "2",
            "recommendation": "no",
            "rationale": "A reference rationale of some length.",
        }
        both = await asyncio.gather(*(c.post("/admin/anchors", data=form) for c in admins))
        assert sorted(r.status_code for r in both) == [303, 409], [r.text[:300] for r in both]
        assert "already an anchor" in next(r for r in both if r.status_code == 409).text
        # a third submit later (the API this time) is refused the same way
        again = await admins[0].post(
            "/api/v1/anchors",
            json={
                "item_id": str(item_id),
                "format_id": str(fmt.id),
                "answer_text": ANSWERS["free_text"]["text"],
                "levels": [1, 2],
                "recommendation": "no",
                "rationale": "A reference rationale of some length.",
            },
        )
        assert again.status_code == 409 and "already an anchor" in again.json()["error"]
        async with live.engine.connect() as conn:
            n = (
                await conn.execute(
                    text("SELECT count(*) FROM anchor WHERE source_item_id = :i"), {"i": item_id}
                )
            ).scalar()
        assert n == 1
    finally:
        for cl in [cand, *admins]:
            await cl.aclose()
        await application.state.resources.engine.dispose()


async def test_writing_one_anchor_twice_at_once_makes_one_anchor(live: LiveDb) -> None:
    """A written anchor (no source answer) sent twice at once — a double click on Save, or the same
    form in two tabs — is one anchor: the other submit is a 409 with a message. An anchor that
    differs in a reference score is a different anchor, and is kept."""
    fmt, qid = await _blind_format(live, "Blind written")
    application = live.app()
    admin_user, _ = await live.users.create(roles=["candidate", "mentor", "admin"])
    admins = [await live.client(application, admin_user.email) for _ in range(2)]  # two tabs
    answer = "A written reference answer: the step is too large, so the loss oscillates."
    form = {
        "question_id": str(qid),
        "format_id": str(fmt.id),
        "answer_text": answer,
        "level-0": "1",
        "level-1": "2",
        "recommendation": "lean_no",
        "rationale": "A reference rationale of some length.",
    }

    async def written() -> list[tuple[list[int], str]]:
        async with live.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT reference_levels, reference_recommendation FROM anchor WHERE answer_text = :t"),
                {"t": answer},
            )
            return sorted((list(lv), rec) for lv, rec in rows.all())

    try:
        both = await asyncio.gather(*(c.post("/admin/anchors", data=form) for c in admins))
        assert sorted(r.status_code for r in both) == [303, 409], [r.text[:300] for r in both]
        assert "already an anchor" in next(r for r in both if r.status_code == 409).text
        # the same anchor through the API later: refused the same way
        body = {
            "question_id": str(qid),
            "format_id": str(fmt.id),
            "answer_text": f"  {answer}\n",
            "levels": [1, 2],
            "recommendation": "lean_no",
            "rationale": "A reference rationale of some length.",
        }
        again = await admins[0].post("/api/v1/anchors", json=body)
        assert again.status_code == 409 and "already an anchor" in again.json()["error"]
        assert await written() == [([1, 2], "lean_no")]
        # other reference scores for the same text: a different anchor
        other = await admins[1].post("/api/v1/anchors", json=body | {"levels": [2, 2]})
        assert other.status_code == 201, other.text
        assert await written() == [([1, 2], "lean_no"), ([2, 2], "lean_no")]
    finally:
        for cl in admins:
            await cl.aclose()
        await application.state.resources.engine.dispose()
