"""The refresher's summaries against the raw data: the question table (through HTTP, CSV) equals
a recomputation in Python from the attempts, answers and reviews themselves, and a drain of the
whole queue in one set-based pass leaves every summary table exactly as a drain in small batches."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analytics.refresh import refresh_all
from app.analytics.synthetic import generate_attempts
from app.questions import kinds
from tests.analytics.test_pages import SUMMARY_TABLES, _docs
from tests.factories import publish_questions

pytestmark = pytest.mark.anyio

WHOLE_WINDOW = {"since": "2000-01-01", "until": "2999-12-31"}  # the day-level path


@pytest.fixture
async def generated(db: async_sessionmaker[AsyncSession]) -> None:
    async with db() as s:
        await publish_questions(s, _docs())
        await generate_attempts(s, 240, seed=11, items_per_attempt=8)
        # some reviews still claimed, not submitted: their free-text answers have no score yet
        await s.execute(
            text(
                "UPDATE review SET status = 'claimed' WHERE id IN (SELECT id FROM review ORDER BY id LIMIT 40)"
            )
        )
        await refresh_all(s)
        await s.commit()


def _unanswered(value: Any) -> bool:
    if value is None:
        return True
    text_ = str(value.get("text") or "").strip()
    number = str(value.get("number") or "").strip()
    choices = value.get("choices")
    return not (text_ or number or "choice" in value or (isinstance(choices, list) and choices))


async def _recomputed(s: AsyncSession) -> dict[str, dict[str, Any]]:
    """Per question (external id), from the source tables: what the question table must show."""
    items = (
        await s.execute(
            text(
                "SELECT i.id, i.attempt_id, q.external_id, i.kind, i.score, i.max_points, "
                "i.time_spent_seconds, ans.value FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id "
                "JOIN question q ON q.id = i.question_id LEFT JOIN answer ans ON ans.item_id = i.id "
                "WHERE a.counted AND a.state <> 'in_progress' AND a.finished_at IS NOT NULL"
            )
        )
    ).all()
    reviewed: dict[Any, list[float]] = defaultdict(list)
    for item_id, fraction in await s.execute(
        text(
            "SELECT ri.item_id, ri.fraction FROM review_item ri JOIN review r ON r.id = ri.review_id "
            "WHERE r.status = 'submitted'"
        )
    ):
        reviewed[item_id].append(fraction)
    mentor_graded = set(kinds.mentor_graded())
    frac: dict[Any, float | None] = {}
    for it in items:
        if reviewed.get(it.id):
            frac[it.id] = sum(reviewed[it.id]) / len(reviewed[it.id])
        elif it.kind not in mentor_graded and it.max_points > 0:
            frac[it.id] = it.score / it.max_points if it.score is not None else None
        else:
            frac[it.id] = None
    total: dict[Any, float] = defaultdict(float)
    for it in items:
        if frac[it.id] is not None:
            total[it.attempt_id] += frac[it.id]  # type: ignore[operator]
    by_question: dict[str, list[Any]] = defaultdict(list)
    for it in items:
        by_question[it.external_id].append(it)
    out = {}
    for external_id, rows in by_question.items():
        scored = [(frac[r.id], total[r.attempt_id] - frac[r.id]) for r in rows if frac[r.id] is not None]
        f = np.array([x for x, _ in scored])
        rest = np.array([y for _, y in scored])
        corr = None
        if len(scored) >= 3 and f.std() > 1e-9 and rest.std() > 1e-9:
            corr = float(np.corrcoef(f, rest)[0, 1])
        out[external_id] = {
            "used": len(rows),
            "scored": len(scored),
            "facility": float(f.mean()) if scored else None,
            "discrimination": corr,
            "mean_seconds": sum(r.time_spent_seconds for r in rows) / len(rows),
            "unanswered_share": sum(_unanswered(r.value) for r in rows) / len(rows),
        }
    return out


async def _table(client, **params: str) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    response = await client.get("/admin/analytics", params={"export": "csv", **params})
    assert response.status_code == 200
    return {r["external_id"]: r for r in csv.DictReader(io.StringIO(response.text))}


def _number(cell: str) -> float | None:
    return float(cell) if cell else None


async def test_the_question_table_equals_a_recomputation_from_the_raw_data(
    as_role, db: async_sessionmaker[AsyncSession], generated: None
) -> None:
    async with db() as s:
        expected = await _recomputed(s)
    assert len(expected) == 18
    assert any(0 < q["unanswered_share"] < 1 for q in expected.values())
    assert any(q["scored"] < q["used"] for q in expected.values())  # free text not reviewed yet
    admin = await as_role("admin")
    for params in ({}, WHOLE_WINDOW):  # the per-question totals and the day-level sums
        shown = await _table(admin, **params)
        assert set(shown) == set(expected)
        for external_id, want in expected.items():
            row = shown[external_id]
            assert int(row["used"]) == want["used"] and int(row["scored"]) == want["scored"], external_id
            for column, digits in (
                ("facility", 3),
                ("discrimination", 3),
                ("mean_seconds", 1),
                ("unanswered_share", 3),
            ):
                got, value = _number(row[column]), want[column]
                if value is None:
                    assert got is None, (external_id, column)
                else:
                    assert got is not None and math.isclose(got, value, abs_tol=0.6 * 10**-digits), (
                        external_id,
                        column,
                        got,
                        value,
                    )


async def _snapshot(s: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in SUMMARY_TABLES:
        rows = (await s.execute(text(f"SELECT * FROM {table}"))).all()
        out[table] = sorted(
            (tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows), key=repr
        )
    return out


async def test_one_pass_over_the_whole_queue_equals_small_batches(
    db: async_sessionmaker[AsyncSession], generated: None
) -> None:
    async with db() as s:
        one_pass = await _snapshot(s)  # the fixture drained the queue in one pass
        assert all(one_pass[t] for t in SUMMARY_TABLES), [t for t in SUMMARY_TABLES if not one_pass[t]]
        for table in SUMMARY_TABLES:
            await s.execute(text(f"DELETE FROM {table}"))
        await s.execute(
            text("INSERT INTO analytics_dirty SELECT id FROM attempt WHERE state <> 'in_progress'")
        )
        assert await refresh_all(s, batch=13) == 240
        batched = await _snapshot(s)
        await s.rollback()
    assert batched == one_pass
