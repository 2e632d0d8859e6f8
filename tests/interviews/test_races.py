"""Races on a committed database over real concurrent connections.

Submit, the sweeper and a late save at the same moment → exactly one finalisation and no save
stored after it. Two tabs saving on the same base at once → exactly one is stored.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app.interviews import formats, service
from app.interviews.sweeper import sweep_once
from app.kit import clock
from tests.interviews.conftest import format_doc, saving
from tests.live import LiveDb

pytestmark = pytest.mark.anyio
ROUNDS = 25


@pytest.fixture(autouse=True)
def _no_flood_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """These races save as fast as the machine allows, on purpose: past the autosave flood guard."""
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "rate_limits_enabled", False)


async def live_format(live: LiveDb, **overrides: Any) -> Any:
    async with live.maker() as s:
        fmt = await formats.save_format(
            s,
            format_doc(
                slots=[{"count": 4, "topic": "optimisation", "kinds": ["free_text", "numeric"]}], **overrides
            ),
            admin=None,
        )
        await s.commit()
    return fmt


async def test_submit_sweeper_and_late_save_finalise_once(live: LiveDb) -> None:
    application = live.app()
    fmt = await live_format(live)
    user, _ = await live.users.create()
    c = await live.client(application, user.email)
    try:
        for n in range(ROUNDS):
            r = await c.post(f"/api/v1/formats/{fmt.id}/attempts")
            assert r.status_code == 201, r.text
            a = r.json()
            item = next(i for i in a["items"] if i["kind"] in ("free_text", "numeric"))
            body = {**saving(0), **({"text": "x"} if item["kind"] == "free_text" else {"number": "1"})}
            await c.post(f"/attempts/{a['id']}/items/{item['id']}/answer", json=body)
            # land just at/after the deadline so that the sweeper is eligible in half of the rounds
            clock.advance(timedelta(minutes=10, seconds=-1 if n % 2 else 0))
            body.update(saving(1))
            body.update({"text": "y"} if item["kind"] == "free_text" else {"number": "2"})
            late = c.post(f"/attempts/{a['id']}/items/{item['id']}/answer", json=body)
            submit = c.post(f"/api/v1/attempts/{a['id']}/submit")
            sweep = sweep_once(application.state.resources.sessionmaker)
            jobs = [late, submit, sweep]
            random.shuffle(jobs)
            results = await asyncio.gather(*jobs)
            clock.reset()
            async with live.engine.connect() as conn:
                row = (
                    await conn.execute(
                        text(
                            "SELECT a.state, a.finished_at, a.finalised_by, a.auto_max, ans.revision, ans.saved_at "
                            "FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id "
                            "LEFT JOIN answer ans ON ans.item_id = i.id WHERE i.id = :item"
                        ),
                        {"item": item["id"]},
                    )
                ).one()
            assert row.state in ("submitted", "expired"), row
            assert row.finalised_by in ("submit", "sweeper", "deadline"), row
            assert row.auto_max is not None  # graded at finalisation
            save = next(x for x in results if hasattr(x, "status_code") and "/items/" in str(x.url))
            if save.status_code == 200:
                assert row.revision == 2 and row.saved_at <= row.finished_at  # stored before finalisation
            else:
                assert save.status_code == 409 and row.revision == 1  # refused: nothing stored
            # exactly one finalisation: one grading, one finishing time, no second transition possible
            async with live.maker() as s:
                assert await service.finalise(s, a["id"], by="deadline") is False
                await s.rollback()
    finally:
        await c.aclose()
        await application.state.resources.engine.dispose()


async def test_two_tabs_racing_on_one_base_store_exactly_one(live: LiveDb) -> None:
    """Many saves from two tabs on the same base at once: one is stored, every other one is told
    what is stored (409 stale) and nothing acknowledged is overwritten."""
    application = live.app()
    fmt = await live_format(live)
    user, _ = await live.users.create()
    tab1 = await live.client(application, user.email)
    tab2 = await live.client(application, user.email)
    try:
        r = await tab1.post(f"/api/v1/formats/{fmt.id}/attempts")
        a = r.json()
        item = next(i for i in a["items"] if i["kind"] == "free_text")
        url = f"/attempts/{a['id']}/items/{item['id']}/answer"
        base = 0
        for round_no in range(ROUNDS):
            bodies = [{**saving(base), "text": f"round {round_no} save {k}"} for k in range(8)]
            responses = await asyncio.gather(
                *((tab1 if k % 2 else tab2).post(url, json=b) for k, b in enumerate(bodies))
            )
            codes = [resp.status_code for resp in responses]
            assert sorted(codes) == [200] + [409] * 7, codes
            winner = bodies[codes.index(200)]
            assert responses[codes.index(200)].json()["revision"] == base + 1
            for resp in responses:
                if resp.status_code == 409:
                    assert resp.json()["reason"] == "stale" and resp.json()["revision"] == base + 1
                    assert resp.json()["value"] == {"text": winner["text"]}
            base += 1
            async with live.engine.connect() as conn:
                stored = (
                    await conn.execute(
                        text("SELECT revision, value FROM answer WHERE item_id = :i"), {"i": item["id"]}
                    )
                ).one()
            assert (stored.revision, stored.value) == (base, {"text": winner["text"]})
    finally:
        await tab1.aclose()
        await tab2.aclose()
        await application.state.resources.engine.dispose()


async def test_a_save_is_one_sql_round_trip(live: LiveDb) -> None:
    from sqlalchemy import event

    application = live.app()
    fmt = await live_format(live)
    user, _ = await live.users.create()
    c = await live.client(application, user.email)
    try:
        a = (await c.post(f"/api/v1/formats/{fmt.id}/attempts")).json()
        item = a["items"][0]
        kind = item["kind"]
        value = {"free_text": {"text": "x"}, "numeric": {"number": "1"}, "single_choice": {"choice": 0}}.get(
            kind, {"choices": [0]}
        )
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        pool = application.state.resources.autosave
        before = pool.round_trips
        event.listen(application.state.resources.engine.sync_engine, "before_cursor_execute", record)
        r = await c.post(f"/attempts/{a['id']}/items/{item['id']}/answer", json={**saving(0), **value})
        assert r.status_code == 200, r.text
        event.remove(application.state.resources.engine.sync_engine, "before_cursor_execute", record)
        # nothing through SQLAlchemy (no session lookup, no BEGIN/COMMIT): one autocommit statement
        assert statements == []
        assert pool.round_trips - before == 1
        async with live.engine.connect() as conn:
            stored = (
                await conn.execute(text("SELECT revision FROM answer WHERE item_id = :i"), {"i": item["id"]})
            ).scalar()
        assert stored == 1
    finally:
        await c.aclose()
        await application.state.resources.engine.dispose()
