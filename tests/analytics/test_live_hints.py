"""The question table's live-interview columns (issue 20) through HTTP: a hint given in a live
attempt counts, and the format and date filters apply to it; the statement behind them binds no
parameters, so a prepared copy of it is planned for the real data, never for unknown filters."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analytics import repository
from app.analytics.refresh import refresh_all
from tests import factories

pytestmark = pytest.mark.anyio


def test_the_live_hints_statement_binds_no_parameters() -> None:
    # With parameters, psycopg prepares it after five runs on a connection and Postgres may plan it
    # once for any values: that generic plan read every fact of every question (1.5 s per cold
    # question page at 30,000 attempts in bench analytics --diagnose) to find the few live ones.
    assert not repository.LIVE_HINTS.compile().params


async def _live(client, **params: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.get("/admin/analytics", params={"export": "csv", **params})
    assert response.status_code == 200
    row = next(r for r in csv.DictReader(io.StringIO(response.text)) if r["external_id"] == "ladder-1")
    return {k: row[k] for k in ("used", "live_attempts", "live_hinted", "live_hints")}


async def test_a_live_hint_counts_and_the_filters_apply_to_it(
    db: async_sessionmaker[AsyncSession], as_role: Any, users: Any
) -> None:
    fmt = await factories.ladder_format(db)
    cand = await as_role("candidate")
    mentor, _ = await users.create(roles=["mentor"])
    attempt = await factories.start_attempt(cand, fmt.id)
    aid, iid = attempt["id"], attempt["items"][0]["id"]
    await factories.give_prompt(db, aid, iid, "hint", 0, by=mentor.id)
    await factories.give_prompt(db, aid, iid, "hint", 1, by=mentor.id)
    async with db() as s:  # the live interview ended ten days ago: finalised, queued for the refresher
        await s.execute(
            text(
                "UPDATE attempt SET live = true, state = 'submitted', finished_at = now() - interval '10 days', "
                "finalised_by = 'submit' WHERE id = :id"
            ),
            {"id": uuid.UUID(aid)},
        )
        await s.commit()
    other = await as_role("candidate")  # and today, an ordinary (not live) attempt at the question
    await factories.take_interview(other, fmt.id, {"free_text": {"text": "a step size"}})
    async with db() as s:
        assert await refresh_all(s) == 2
        await s.commit()
    admin = await as_role("admin")
    assert await _live(admin) == {"used": "2", "live_attempts": "1", "live_hinted": "1", "live_hints": "2"}
    assert await _live(admin, format_id=str(fmt.id)) == await _live(admin)
    today = date.today()
    recent = {"since": str(today - timedelta(days=1)), "until": str(today + timedelta(days=1))}
    assert await _live(admin, **recent) == {
        "used": "1",
        "live_attempts": "0",
        "live_hinted": "0",
        "live_hints": "0",
    }
    back_then = {"since": str(today - timedelta(days=11)), "until": str(today - timedelta(days=9))}
    assert await _live(admin, **back_then) == {
        "used": "1",
        "live_attempts": "1",
        "live_hinted": "1",
        "live_hints": "2",
    }
