"""Test data through the same services and HTTP calls the app uses: users, topics, questions (with
their first version), formats, attempts and reviews. One place for the setup every domain needs;
a domain's conftest keeps only its *data* (its question documents, its format's slots).

Database helpers take a session (commit is the caller's); client helpers take a signed-in
`Client` and go through the JSON API as a user would, asserting each step's status.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import service
from app.auth.models import User
from app.interviews import formats, prompts
from app.interviews.models import Attempt, InterviewFormat
from app.interviews.prompts import PromptKind, PromptSend
from app.interviews.schemas import FormatDoc
from app.questions.models import Question
from app.questions.native import AreaDoc, FollowUp, Kind, QuestionDoc
from app.questions.seedcheck import load_areas
from app.questions.service import create_question, ensure_topics

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


# ---- users ------------------------------------------------------------------------------------------


class UserFactory:
    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self.maker = maker

    async def create(
        self,
        *,
        roles: list[str] | None = None,
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
    ) -> tuple[User, str]:
        n = next(_seq)
        async with self.maker() as session:
            user = await service.create_user(
                session,
                email=email or f"user{n}@example.org",
                display_name=name or f"User {n}",
                password=password,
                roles=roles or ["candidate"],
            )
            await session.commit()
        return user, password


# ---- topics, questions, formats ----------------------------------------------------------------------


@functools.cache
def seed_areas() -> list[AreaDoc]:
    """The seed topic tree's documents, read and validated once per run (every bank needs them)."""
    return load_areas()


async def seed_topics(session: AsyncSession) -> None:
    """The seed topic tree (areas and their topics), as the app's seeding creates it."""
    await ensure_topics(session, seed_areas())


async def publish_questions(
    session: AsyncSession, docs: Iterable[QuestionDoc], *, status: str = "published"
) -> list[Question]:
    """The topic tree, then each document as a question with its first version."""
    await seed_topics(session)
    return [await create_question(session, doc, author_id=None, status=status) for doc in docs]


def format_doc(defaults: dict[str, Any], **overrides: Any) -> FormatDoc:
    """A format document: a domain's defaults (title, slots, …) with the test's overrides."""
    return FormatDoc.model_validate(
        {"time_limit_minutes": 10, "status": "published", **defaults, **overrides}
    )


MakeFormat = Callable[..., Awaitable[InterviewFormat]]


def format_maker(db: async_sessionmaker[AsyncSession], doc: Callable[..., FormatDoc]) -> MakeFormat:
    """`make_format(**overrides)` for a fixture: saves `doc(**overrides)` as an admin would, committed."""

    async def make(**overrides: Any) -> InterviewFormat:
        async with db() as s:
            fmt = await formats.save_format(s, doc(**overrides), admin=None)
            await s.commit()
        return fmt

    return make


def bank_fixture(build: Callable[[AsyncSession], Awaitable[None]]) -> Any:
    """A domain's `bank` fixture: `build(session)` committed before the test."""

    @pytest.fixture
    async def bank(db: async_sessionmaker[AsyncSession]) -> None:
        async with db() as s:
            await build(s)
            await s.commit()

    return bank


def make_format_fixture(doc: Callable[..., FormatDoc]) -> Any:
    """A domain's `make_format` fixture (needs its `bank`): formats from `doc(**overrides)`."""

    @pytest.fixture
    def make_format(db: async_sessionmaker[AsyncSession], bank: None) -> MakeFormat:
        return format_maker(db, doc)

    return make_format


@asynccontextmanager
async def committed(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on a real database (a live server's, an e2e run's) whose commits stay."""
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


# ---- attempts and reviews, through the API -----------------------------------------------------------


async def start_attempt(c: Any, format_id: uuid.UUID) -> dict[str, Any]:
    """Start (or resume) an attempt of the format; the API's attempt with its items."""
    r = await c.post(f"/api/v1/formats/{format_id}/attempts")
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def take_interview(c: Any, format_id: uuid.UUID, answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Start, answer every item with `answers[kind]` (first save of each) and submit."""
    attempt = await start_attempt(c, format_id)
    for item in attempt["items"]:
        body = {"base_revision": 0, "save_id": "first", **answers[item["kind"]]}
        r = await c.post(f"/attempts/{attempt['id']}/items/{item['id']}/answer", json=body)
        assert r.status_code == 200, r.text
    r = await c.post(f"/api/v1/attempts/{attempt['id']}/submit")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def claim_review(c: Any) -> dict[str, Any]:
    """The mentor claims the next attempt; the API's review (items, rubric, draft)."""
    r = await c.post("/api/v1/reviews/claims")
    assert r.status_code == 201, r.text
    got = await c.get(f"/api/v1/reviews/{r.json()['id']}")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


async def clone_attempts(maker: async_sessionmaker[AsyncSession], attempt_id: uuid.UUID, n: int) -> None:
    """`n` copies of a finalised attempt (rows only: the queue and claims need no items), each a
    second later than the last: many claimable attempts without taking `n` interviews."""
    async with maker() as session:
        await session.execute(
            text(
                """
INSERT INTO attempt (id, format_id, user_id, state, seed, started_at, deadline_at, time_factor, expiry_mode,
                     grace_seconds, navigation, current_position, extended_seconds, finished_at, finalised_by,
                     counted, needs_review, auto_score, auto_max)
SELECT gen_random_uuid(), format_id, user_id, state, seed, started_at, deadline_at, time_factor, expiry_mode,
       grace_seconds, navigation, current_position, extended_seconds, finished_at + g * interval '1 second',
       finalised_by, counted, needs_review, auto_score, auto_max
FROM attempt, generate_series(1, :n) AS g WHERE id = :id
"""
            ),
            {"id": attempt_id, "n": n},
        )
        await session.commit()


# ---- live interviews: the follow-up ladder -----------------------------------------------------------

LADDER_TOPIC = "optimisation/gradient-descent"


def ladder_doc(external_id: str = "ladder-1") -> QuestionDoc:
    """A free-text question with two follow-ups and two hints (the live follow-up ladder's buttons)."""
    return QuestionDoc(
        external_id=external_id,
        topic=LADDER_TOPIC,
        title="Step size",
        kind=Kind.free_text,
        prompt="Why can gradient descent diverge?",
        reference_answer="A step size above $2/L$ overshoots.",
        follow_ups=[
            FollowUp(question="What is $L$ for $f(x) = x^2$?", expected_answer="$L = 2$."),
            FollowUp(question="And with momentum?"),
        ],
        hints=["Think of $f(x) = x^2$.", "Look at $|1 - 2\\eta|$."],
        difficulty=2,
    )


async def ladder_format(db: async_sessionmaker[AsyncSession]) -> InterviewFormat:
    """A published one-question format drawing `ladder_doc()` (committed)."""
    async with db() as s:
        await publish_questions(s, [ladder_doc()])
        await s.commit()
    doc = format_doc({"title": "Live ladder", "slots": [{"topic": LADDER_TOPIC, "count": 1}]})
    return await format_maker(db, lambda: doc)()


async def give_prompt(
    db: async_sessionmaker[AsyncSession],
    attempt_id: str,
    item_id: str,
    kind: str,
    ref: int | None,
    text: str = "",
    *,
    by: uuid.UUID,
    send_id: str | None = None,
) -> uuid.UUID:
    """A follow-up or hint given on an attempt's item, as the live page's send does (committed)."""
    async with db() as s:
        attempt = await s.get(Attempt, uuid.UUID(attempt_id))
        assert attempt is not None
        what = PromptSend(uuid.UUID(item_id), PromptKind(kind), ref, text, send_id or uuid.uuid4().hex)
        p, _ = await prompts.send_prompt(s, attempt, what, sent_by=by)
        await s.commit()
        return p.id
