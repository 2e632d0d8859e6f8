"""Issue 11, defects 1 and 2: the compare-and-swap save against a committed database, with real
concurrent connections (the production psycopg pool).

- Two tabs: an older tab never overwrites what a newer one stored.
- A retry while its original is still in flight (held row lock) gets the same 200, never 409.
- A property test over interleavings of two clients that retry and lose replies: no acknowledged
  save is lost, every stored revision was based on the one before, a retry is never refused.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.interviews import formats
from app.interviews.models import InterviewFormat
from tests.fixtures import Client
from tests.interviews.conftest import TOPIC, format_doc, saving
from tests.live import LiveDb

ONE_TEXT_ITEM = [{"topic": TOPIC, "count": 1, "kinds": ["free_text"]}]


async def text_format(live: LiveDb) -> InterviewFormat:
    async with live.maker() as s:
        fmt = await formats.save_format(s, format_doc(slots=ONE_TEXT_ITEM), admin=None)
        await s.commit()
    return fmt


async def two_tabs(live: LiveDb, application: Any, fmt: InterviewFormat) -> tuple[Client, Client, str]:
    """Two signed-in clients of one candidate (two sessions), and the save URL of the attempt's item."""
    user, _ = await live.users.create()
    tab_a = await live.client(application, user.email)
    tab_b = await live.client(application, user.email)
    a = (await tab_a.post(f"/api/v1/formats/{fmt.id}/attempts")).json()
    return tab_a, tab_b, f"/attempts/{a['id']}/items/{a['items'][0]['id']}/answer"


async def stored_row(live: LiveDb, url: str) -> Any:
    item_id = url.split("/items/")[1].split("/")[0]
    async with live.engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT revision, value, save_id FROM answer WHERE item_id = :i"), {"i": item_id}
            )
        ).first()


async def revision_log(live: LiveDb, url: str) -> list[Any]:
    item_id = url.split("/items/")[1].split("/")[0]
    async with live.engine.connect() as conn:
        return list(
            await conn.execute(
                text(
                    "SELECT revision, base_revision, save_id, value FROM answer_revision "
                    "WHERE item_id = :i ORDER BY revision"
                ),
                {"i": item_id},
            )
        )


pytestmark = pytest.mark.anyio


async def test_an_older_tab_never_overwrites_a_newer_tabs_answer(live: LiveDb) -> None:
    """The reproduction from the issue: A and B open at revision 0, B saves, A keeps typing."""
    application = live.app()
    tab_a, tab_b, url = await two_tabs(live, application, await text_format(live))
    try:
        r = await tab_b.post(url, json={**saving(0), "text": "BBB"})
        assert r.status_code == 200 and r.json()["revision"] == 1
        r = await tab_a.post(url, json={**saving(0), "text": "a"})
        assert r.status_code == 409 and r.json()["reason"] == "stale"
        assert r.json()["revision"] == 1 and r.json()["value"] == {"text": "BBB"}
        # A keeps typing on its old base: still refused, B's acknowledged text stays
        r = await tab_a.post(url, json={**saving(0), "text": "aaaaa"})
        assert r.status_code == 409 and r.json()["reason"] == "stale"
        assert (await stored_row(live, url)).value == {"text": "BBB"}
        # B, still saving on its own base, is unaffected
        r = await tab_b.post(url, json={**saving(1), "text": "BBB and more"})
        assert r.status_code == 200 and r.json()["revision"] == 2
        # A chooses "keep mine": an explicit save on top of what it was shown
        r = await tab_a.post(url, json={**saving(1), "text": "aaaaa"})
        assert r.status_code == 409  # B moved on meanwhile: A is shown revision 2 first
        assert r.json()["value"] == {"text": "BBB and more"}
        r = await tab_a.post(url, json={**saving(r.json()["revision"]), "text": "aaaaa"})
        assert r.status_code == 200 and r.json()["revision"] == 3
        log = await revision_log(live, url)
        assert [(x.revision, x.base_revision, x.value["text"]) for x in log] == [
            (1, 0, "BBB"),
            (2, 1, "BBB and more"),
            (3, 2, "aaaaa"),
        ]
    finally:
        await tab_a.aclose()
        await tab_b.aclose()
        await application.state.resources.engine.dispose()


async def hold_answer_row(live: LiveDb, url: str) -> psycopg.AsyncConnection[Any]:
    """What an admin's `SELECT … FOR UPDATE` in psql does: lock the stored answer row and wait."""
    item_id = url.split("/items/")[1].split("/")[0]
    conn = await psycopg.AsyncConnection.connect(live.url.replace("postgresql+psycopg://", "postgresql://"))
    await conn.execute("SELECT 1 FROM answer WHERE item_id = %s FOR UPDATE", (item_id,))
    return conn


@pytest.mark.slow  # retries racing their original behind a held row lock: ~2.5 s of waits
async def test_a_retry_while_the_original_is_in_flight_gets_the_same_200(live: LiveDb) -> None:
    application = live.app()
    tab, _, url = await two_tabs(live, application, await text_format(live))
    try:
        assert (await tab.post(url, json={**saving(0), "text": "v1"})).status_code == 200
        for round_no in range(3):
            body = {**saving(round_no + 1), "text": f"v{round_no + 2}"}
            lock = await hold_answer_row(live, url)
            original = asyncio.ensure_future(tab.post(url, json=body))
            # the client gives up waiting (its timeout) and sends the identical request again
            done, _ = await asyncio.wait([original], timeout=0.5)
            assert not done, "the original must still be waiting for the row lock"
            retry = asyncio.ensure_future(tab.post(url, json=body))
            await asyncio.sleep(0.2)
            await lock.rollback()  # the lock is released: the original commits first
            await lock.close()
            first, second = await asyncio.gather(original, retry)
            assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
            assert first.json()["revision"] == second.json()["revision"] == round_no + 2
        # concurrent duplicates while the row is locked: all 200, stored once
        body = {**saving(4), "text": "v5"}
        lock = await hold_answer_row(live, url)
        copies = [asyncio.ensure_future(tab.post(url, json=body)) for _ in range(6)]
        await asyncio.sleep(0.3)
        await lock.rollback()
        await lock.close()
        replies = await asyncio.gather(*copies)
        assert [r.status_code for r in replies] == [200] * 6, [r.text for r in replies]
        assert {r.json()["revision"] for r in replies} == {5}
        log = await revision_log(live, url)
        assert [x.revision for x in log] == [1, 2, 3, 4, 5]
    finally:
        await tab.aclose()
        await application.state.resources.engine.dispose()


# ---- the property test: two clients behaving like the page, with lost replies and retries ----------


@dataclass
class Tab:
    """What the page keeps per item: the stored revision it knows, its text, the pending save."""

    client: Client
    name: str
    base: int = 0
    text: str = ""
    saved_text: str = ""
    pending: dict[str, Any] | None = None
    acked: list[tuple[str, int, str]] = field(default_factory=list)  # (save_id, revision, text)
    refused_retries: list[str] = field(default_factory=list)


STEP = st.one_of(
    st.tuples(st.just("type"), st.integers(0, 1)),
    st.tuples(st.just("send"), st.integers(0, 1), st.booleans(), st.booleans()),
    st.tuples(st.just("both"), st.booleans(), st.booleans()),
    st.tuples(st.just("duplicate"), st.integers(0, 1)),
)


async def play(live: LiveDb, application: Any, fmt: InterviewFormat, steps: list[tuple[Any, ...]]) -> None:
    client_a, client_b, url = await two_tabs(live, application, fmt)
    tabs = [Tab(client_a, "A"), Tab(client_b, "B")]
    counter = 0
    logged_ids: set[str] = set()

    def prepare(tab: Tab) -> dict[str, Any] | None:
        # the page: resend the identical pending request first; else a new save of the newer text
        if tab.pending is None and tab.text != tab.saved_text:
            tab.pending = {**saving(tab.base), "text": tab.text}
        return tab.pending

    def handle(tab: Tab, body: dict[str, Any], reply: Any, keep_mine: bool) -> None:
        if reply.status_code == 200:
            data = reply.json()
            tab.acked.append((body["save_id"], data["revision"], body["text"]))
            if tab.pending is body:
                tab.pending = None
                tab.base = max(tab.base, data["revision"])
                tab.saved_text = body["text"]
            return
        assert reply.status_code == 409 and reply.json()["reason"] == "stale", reply.text
        if body["save_id"] in logged_ids:
            tab.refused_retries.append(body["save_id"])
        if tab.pending is body:
            tab.pending = None
            stored = reply.json()
            tab.base = stored["revision"]
            if keep_mine:  # the explicit click: the next save goes on top of what it was shown
                tab.saved_text = stored["value"]["text"]
            else:  # take the other
                tab.text = tab.saved_text = stored["value"]["text"]

    async def send(tab: Tab, lose_reply: bool, keep_mine: bool) -> None:
        body = prepare(tab)
        if body is None:
            return
        reply = await tab.client.post(url, json=body)
        if not lose_reply:  # a lost reply: the request stays pending and is sent again as it is
            handle(tab, body, reply, keep_mine)

    for step in steps:
        for x in await revision_log(live, url):
            logged_ids.add(x.save_id)
        if step[0] == "type":
            counter += 1
            tabs[step[1]].text = f"{tabs[step[1]].name} typed {counter}"
        elif step[0] == "send":
            await send(tabs[step[1]], step[2], step[3])
        elif step[0] == "both":
            await asyncio.gather(send(tabs[0], step[1], True), send(tabs[1], step[2], False))
        else:
            tab = tabs[step[1]]
            body = prepare(tab)
            if body is not None:
                replies = await asyncio.gather(*(tab.client.post(url, json=body) for _ in range(3)))
                codes = {r.status_code for r in replies}
                assert len(codes) == 1, [r.text for r in replies]  # identical requests, one outcome
                handle(tab, body, replies[0], True)
    # finally every tab sends what it still has pending, without losing replies
    for tab in tabs:
        for _ in range(3):
            await send(tab, False, True)

    log = await revision_log(live, url)
    by_revision = {x.revision: x for x in log}
    # a chain: every stored revision was based on the one before (nobody overwrote unseen work)
    assert [(x.revision, x.base_revision) for x in log] == [(n, n - 1) for n in range(1, len(log) + 1)]
    for tab in tabs:
        assert tab.refused_retries == [], "an identical retry of a stored save was refused"
        for save_id, revision, typed in tab.acked:
            assert by_revision[revision].save_id == save_id and by_revision[revision].value == {"text": typed}
    row = await stored_row(live, url)
    if log:
        assert (row.revision, row.value, row.save_id) == (log[-1].revision, log[-1].value, log[-1].save_id)
    else:
        assert row is None
    for tab in tabs:
        await tab.client.aclose()


@pytest.mark.slow
def test_no_acknowledged_save_is_lost_in_any_interleaving(live_url: str) -> None:
    async def make_format() -> InterviewFormat:
        live = LiveDb(live_url)
        fmt = await text_format(live)
        await live.close()
        return fmt

    fmt = asyncio.run(make_format())

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=st.lists(STEP, min_size=1, max_size=14))
    def interleavings(steps: list[tuple[Any, ...]]) -> None:
        async def run() -> None:
            live = LiveDb(live_url)
            application = live.app()
            try:
                await play(live, application, fmt, steps)
            finally:
                await application.state.resources.engine.dispose()
                await live.close()

        asyncio.run(run())

    interleavings()
