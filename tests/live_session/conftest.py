"""Live-session fixtures: a committed database with a small bank and format, apps ("processes")
each with its own event dispatcher, a mentor's slot starting in a few minutes booked by a candidate."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.dispatcher import for_app
from app.interviews import formats
from app.interviews.models import InterviewFormat
from app.kit import clock
from app.live.models import LiveSession
from app.questions.native import Kind, Option, QuestionDoc
from tests import factories
from tests.booking.conftest import ids, slot_form
from tests.fixtures import Client
from tests.live import LiveDb

TOPIC = "optimisation/gradient-descent"
HEARTBEAT = 0.2  # seconds between the stream's heartbeats in these tests


def bank_docs() -> list[QuestionDoc]:
    return [
        QuestionDoc(
            external_id="live-text-1",
            topic=TOPIC,
            title="Momentum in plain words",
            kind=Kind.free_text,
            prompt="What does a momentum term add to plain gradient descent, and when does it help?",
            reference_answer="It averages past gradients, damping zig-zags across steep valleys and "
            "speeding progress along shallow directions.",
            difficulty=2,
        ),
        QuestionDoc(
            external_id="live-text-2",
            topic=TOPIC,
            title="Learning-rate warm-up",
            kind=Kind.free_text,
            prompt="Why might a training run start with a small learning rate and raise it over the first steps?",
            reference_answer="Early updates with random weights and noisy statistics can be large; a "
            "warm-up keeps them from throwing the model into a bad region.",
            difficulty=3,
        ),
        QuestionDoc(
            external_id="live-single-1",
            topic=TOPIC,
            title="Step size on a parabola",
            kind=Kind.single_choice,
            prompt="For $f(x) = 2x^2$, which fixed step size makes gradient descent converge?",
            options=[Option(text="0.1", correct=True), Option(text="0.6"), Option(text="1")],
            difficulty=1,
        ),
    ]


def format_doc() -> Any:
    return factories.format_doc(
        {
            "title": "Live optimisation chat",
            "slots": [
                {"topic": TOPIC, "count": 2, "kinds": ["free_text"]},
                {"topic": TOPIC, "count": 1, "kinds": ["single_choice"]},
            ],
            "time_limit_minutes": 30,
        }
    )


async def build(session: AsyncSession) -> None:
    await factories.publish_questions(session, bank_docs())


@dataclass
class Booked:
    fmt: uuid.UUID
    booking_id: uuid.UUID
    session_id: uuid.UUID
    mentor: Client
    candidate: Client
    mentor_id: uuid.UUID
    candidate_id: uuid.UUID


class LiveApps(LiveDb):
    """LiveDb whose apps run their event dispatcher (the test app runs no background jobs) and
    send heartbeats every HEARTBEAT seconds."""

    def __init__(self, url: str) -> None:
        super().__init__(url, app_pool_size=4)
        self.tasks: list[asyncio.Task[None]] = []
        self.clients: list[Client] = []
        self.fmt: uuid.UUID | None = None

    async def started(self) -> Any:
        application = self.app()
        application.state.settings = application.state.settings.model_copy(
            update={"live_heartbeat_seconds": HEARTBEAT}
        )
        d = for_app(application.state)
        self.tasks.append(asyncio.create_task(d.run(retry_seconds=0.1)))
        await d.connected.wait()
        return application

    async def signed_in(self, application: Any, roles: list[str]) -> tuple[Client, uuid.UUID]:
        user, _ = await self.users.create(roles=roles)
        c = await self.client(application, user.email)
        self.clients.append(c)
        return c, user.id

    async def format_id(self) -> uuid.UUID:
        if self.fmt is None:
            async with self.maker() as s:
                await build(s)
                fmt: InterviewFormat = await formats.save_format(s, format_doc(), admin=None)
                await s.commit()
                self.fmt = fmt.id
        return self.fmt

    async def book(
        self, mentor_app: Any, candidate_app: Any, *, minutes_ahead: int = 5, minutes: int = 60
    ) -> Booked:
        """A mentor's `minutes`-long slot starting in `minutes_ahead` minutes, booked by a new candidate."""
        fmt = await self.format_id()
        mentor, mentor_id = await self.signed_in(mentor_app, ["candidate", "mentor"])
        candidate, candidate_id = await self.signed_in(candidate_app, ["candidate"])
        when = (clock.now() + timedelta(minutes=minutes_ahead + 1)).replace(second=0, microsecond=0)
        r = await mentor.post("/availability", data=slot_form(fmt, when=when, minutes=minutes))
        assert r.status_code == 303, r.text
        [slot] = ids((await mentor.get("/availability")).text, "/availability/")
        r = await candidate.post(f"/book/{slot}", data={"format_id": str(fmt)})
        assert r.status_code == 303, r.text
        booking_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[1])
        async with self.maker() as s:
            live = (
                await s.execute(select(LiveSession).where(LiveSession.booking_id == booking_id))
            ).scalar_one()
        return Booked(fmt, booking_id, live.id, mentor, candidate, mentor_id, candidate_id)

    async def close(self) -> None:
        for c in self.clients:
            await c.aclose()
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await super().close()


@pytest.fixture
async def live(make_database) -> AsyncIterator[LiveApps]:  # type: ignore[no-untyped-def]
    apps = LiveApps(make_database("mlmock_live"))
    yield apps
    await apps.close()
