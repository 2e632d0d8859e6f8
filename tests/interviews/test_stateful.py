"""A stateful model of one candidate with two tabs against a committed database.

Rules: start, save from tab 1 or 2 (or resend its last request), advance the clock, restart the
app (a new engine), submit, sweep. Invariants: the stored answer is the last acknowledged save,
every reply is what the compare-and-swap protocol says, and nothing is written after finalisation.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import text

from app.interviews import formats
from app.interviews.sweeper import sweep_once
from app.kit import clock
from tests.fixtures import Client
from tests.interviews.conftest import TOPIC, format_doc, saving
from tests.live import LiveDb

LIMIT = timedelta(minutes=10)


class AttemptMachine(RuleBasedStateMachine):
    url: str = ""
    format_id: uuid.UUID | None = None

    def __init__(self) -> None:
        super().__init__()
        clock.reset()
        self.loop = asyncio.new_event_loop()
        self.live = LiveDb(self.url)
        self.app: Any = None
        self.tabs: list[Client] = []
        self.attempt: dict[str, Any] | None = None
        self.elapsed = timedelta(0)
        self.finalised = False
        self.stored: tuple[int, str] | None = None
        self.closed: list[str] = []  # finalised attempts' ids
        self.step = 0
        self.bases = [0, 0]  # the stored revision each tab knows
        self.last_request: list[dict[str, Any] | None] = [None, None]
        self.acked: dict[str, int] = {}  # save id -> the revision its 200 named

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    @initialize()
    def sign_in(self) -> None:
        user, _ = self.run(self.live.users.create())
        self.email = user.email
        self.app = self.live.app()
        self.tabs = [self.run(self.live.client(self.app, self.email)) for _ in range(2)]

    def teardown(self) -> None:
        async def close() -> None:
            for tab in self.tabs:
                await tab.aclose()
            if self.app is not None:
                await self.app.state.resources.engine.dispose()
            for pool in self.live.autosave_pools:
                await pool.close()
            await self.live.engine.dispose()

        self.run(close())
        self.loop.close()
        clock.reset()

    @property
    def open(self) -> bool:
        return self.attempt is not None and not self.finalised

    @rule()
    def start(self) -> None:
        r = self.run(self.tabs[0].post(f"/api/v1/formats/{self.format_id}/attempts"))
        assert r.status_code == 201, r.text
        body = r.json()
        if self.open and self.elapsed < LIMIT:
            assert body["id"] == self.attempt["id"]  # type: ignore[index]  # resumed, not a second one
            return
        if self.open:  # overdue: starting again finalises it first, then draws a new attempt
            assert body["id"] != self.attempt["id"]  # type: ignore[index]
            self.closed.append(self.attempt["id"])  # type: ignore[index]
        self.attempt, self.elapsed, self.finalised, self.stored = body, timedelta(0), False, None
        self.bases, self.last_request = [0, 0], [None, None]

    @precondition(lambda self: self.attempt is not None)
    @rule(tab=st.sampled_from([0, 1]), retry=st.booleans())
    def save(self, tab: int, retry: bool) -> None:
        """A tab saves new text on the stored revision it knows (or resends its last request)."""
        a = self.attempt
        assert a is not None
        self.step += 1
        last = self.last_request[tab]
        if retry and last is not None:
            body = last
        else:
            body = {**saving(self.bases[tab]), "text": f"tab {tab} step {self.step}"}
        self.last_request[tab] = body
        r = self.run(
            self.tabs[tab].post(f"/attempts/{a['id']}/items/{a['items'][0]['id']}/answer", json=body)
        )
        stored_rev = self.stored[0] if self.stored else 0
        if body["save_id"] in self.acked:  # a retry of an acknowledged save: the same answer, always
            assert r.status_code == 200 and r.json()["revision"] == self.acked[body["save_id"]], r.text
        elif self.finalised or self.elapsed >= LIMIT:
            assert r.status_code == 409, r.text
        elif self.stored is not None and self.stored[1] == body["text"]:
            assert r.status_code == 200 and r.json()["status"] == "unchanged", r.text
        elif body["base_revision"] == stored_rev:
            assert r.status_code == 200 and r.json()["status"] == "saved", r.text
            assert r.json()["revision"] == stored_rev + 1
            self.stored = (stored_rev + 1, body["text"])
            self.acked[body["save_id"]] = stored_rev + 1
            self.bases[tab] = stored_rev + 1
        else:
            assert r.status_code == 409 and r.json()["reason"] == "stale", r.text
            assert r.json()["revision"] == stored_rev
            self.bases[tab] = stored_rev  # the tab is shown the stored version and takes it

    @rule(seconds=st.sampled_from([1, 20, 90, 300]))
    def advance(self, seconds: int) -> None:
        clock.advance(timedelta(seconds=seconds))
        self.elapsed += timedelta(seconds=seconds)

    @rule()
    def restart(self) -> None:
        """A new app process: a new engine and pool; the browser keeps its cookies."""
        old_app, old_tabs = self.app, self.tabs
        self.app = self.live.app()
        self.tabs = []
        for tab in old_tabs:
            fresh = Client(transport=httpx.ASGITransport(app=self.app), base_url="https://testserver")
            fresh.cookies = tab.cookies
            fresh.csrf = tab.csrf
            self.tabs.append(fresh)
            self.run(tab.aclose())
        self.run(self.app.state.resources.autosave.connections.open(wait=False))
        self.run(old_app.state.resources.engine.dispose())
        self.run(old_app.state.resources.autosave.connections.close())

    @precondition(lambda self: self.attempt is not None)
    @rule(tab=st.sampled_from([0, 1]))
    def submit(self, tab: int) -> None:
        a = self.attempt
        assert a is not None
        r = self.run(self.tabs[tab].post(f"/api/v1/attempts/{a['id']}/submit"))
        assert r.status_code == 200, r.text
        if not self.finalised:
            assert r.json()["state"] == ("submitted" if self.elapsed < LIMIT else "expired")
            self.finalised = True
            self.closed.append(a["id"])

    @rule()
    def sweep(self) -> None:
        done = self.run(sweep_once(self.app.state.resources.sessionmaker))
        if self.open and self.elapsed >= LIMIT:
            assert done and done >= 1
            self.finalised = True
            self.closed.append(self.attempt["id"])  # type: ignore[index]

    @invariant()
    def stored_is_highest_acknowledged(self) -> None:
        if self.attempt is None:
            return

        async def read() -> Any:
            async with self.live.engine.connect() as conn:
                return (
                    await conn.execute(
                        text("SELECT revision, value FROM answer WHERE item_id = :i"),
                        {"i": self.attempt["items"][0]["id"]},  # type: ignore[index]
                    )
                ).first()

        row = self.run(read())
        if self.stored is None:
            assert row is None
        else:
            assert row is not None and (row.revision, row.value) == (self.stored[0], {"text": self.stored[1]})

    @invariant()
    def nothing_written_after_finalisation(self) -> None:
        if not self.closed:
            return

        async def late_writes() -> int:
            async with self.live.engine.connect() as conn:
                return int(
                    (
                        await conn.execute(
                            text(
                                "SELECT count(*) FROM answer ans JOIN attempt_item i ON i.id = ans.item_id "
                                "JOIN attempt a ON a.id = i.attempt_id "
                                "WHERE a.id = ANY(CAST(:ids AS uuid[])) "
                                "AND (a.state = 'in_progress' OR ans.saved_at > a.finished_at "
                                "OR ans.saved_at >= a.deadline_at)"
                            ),
                            {"ids": self.closed},
                        )
                    ).scalar_one()
                )

        assert self.run(late_writes()) == 0


@pytest.mark.slow  # a hypothesis state machine over a live database
def test_autosave_state_machine(live_url: str) -> None:
    async def make_format() -> uuid.UUID:
        live = LiveDb(live_url)
        async with live.maker() as s:
            fmt = await formats.save_format(
                s, format_doc(slots=[{"topic": TOPIC, "count": 1, "kinds": ["free_text"]}]), admin=None
            )
            await s.commit()
        await live.engine.dispose()
        return fmt.id

    AttemptMachine.url = live_url
    AttemptMachine.format_id = asyncio.run(make_format())
    machine = AttemptMachine.TestCase
    machine.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine().runTest()
