"""The unfiltered question table reads the refresher's per-question totals (an_question_total);
with a format or date filter it sums the day-level summaries. Through HTTP: both give the same
figures, and a candidate's newly submitted attempt shows in them after the refresher runs."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analytics.refresh import refresh_all
from app.analytics.synthetic import generate_attempts
from app.interviews import formats
from tests import factories
from tests.analytics.test_pages import _docs
from tests.factories import publish_questions, take_interview

pytestmark = pytest.mark.anyio

WHOLE_WINDOW = {"since": "2000-01-01", "until": "2999-12-31"}  # every day: the day-level path


async def _table(client, **params: str) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    response = await client.get("/admin/analytics", params={"export": "csv", **params})
    assert response.status_code == 200
    return {r["external_id"]: r for r in csv.DictReader(io.StringIO(response.text))}


@pytest.fixture
async def refreshed(db: async_sessionmaker[AsyncSession]) -> None:
    async with db() as s:
        await publish_questions(s, _docs())
        await generate_attempts(s, 120, seed=3, items_per_attempt=8)
        await refresh_all(s)
        await s.commit()


async def test_the_totals_give_the_figures_of_the_day_summaries(as_role, refreshed: None) -> None:
    admin = await as_role("admin")
    totals, days = await _table(admin), await _table(admin, **WHOLE_WINDOW)
    assert len(totals) == 18 and totals == days
    assert any(r["misconceptions"] for r in totals.values())  # the arrays are read back, not just sums
    assert all(r["median_seconds"] for r in totals.values())
    # the question filters apply to the totals as well
    numeric = await _table(admin, kind="numeric")
    assert numeric and numeric == {k: r for k, r in totals.items() if r["kind"] == "numeric"}
    # one question's page and the curation summary use them too
    page = await admin.get("/admin/analytics")
    assert page.status_code == 200 and "Choice 0" in page.text


async def test_a_new_submitted_attempt_shows_after_the_refresh(
    as_role, db: async_sessionmaker[AsyncSession], refreshed: None
) -> None:
    admin = await as_role("admin")
    before = await _table(admin)
    async with db() as s:
        fmt = await formats.save_format(
            s,
            factories.format_doc(
                {
                    "title": "Two planted questions",
                    "slots": [{"external_id": "an-choice-0"}, {"external_id": "an-number-1"}],
                }
            ),
            admin=None,
        )
        await s.commit()
    candidate = await as_role("candidate")
    await take_interview(candidate, fmt.id, {"single_choice": {"choice": 0}, "numeric": {"number": "2.5"}})
    assert await _table(admin) == before  # not refreshed yet: the page shows the summaries it has

    async with db() as s:  # the refresher's run (a background job in the app)
        assert await refresh_all(s) == 1
        await s.commit()
    after = await _table(admin)
    for external_id in ("an-choice-0", "an-number-1"):
        old, new = before[external_id], after[external_id]
        assert int(new["used"]) == int(old["used"]) + 1
        assert int(new["scored"]) == int(old["scored"]) + 1
        n = int(old["scored"])
        expected = (float(old["facility"]) * n + 1.0) / (n + 1)  # both answered correctly
        assert float(new["facility"]) == pytest.approx(expected, abs=2e-3)
    untouched = set(before) - {"an-choice-0", "an-number-1"}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}
    assert after == await _table(admin, **WHOLE_WINDOW)


async def test_the_unanswered_share_is_a_share(
    as_role, db: async_sessionmaker[AsyncSession], refreshed: None
) -> None:
    """Unanswered items ÷ times used, e.g. 0.042 — not an integer division (it showed 0)."""
    async with db() as s:
        found = await s.execute(
            text(
                "SELECT q.external_id, avg(CAST(x.unanswered AS int)) FROM an_item x "
                "JOIN question q ON q.id = x.question_id GROUP BY q.external_id"
            )
        )
        expected = {external_id: float(share) for external_id, share in found.all()}
    assert any(0 < share < 1 for share in expected.values())
    admin = await as_role("admin")
    for params in ({}, WHOLE_WINDOW):
        table = await _table(admin, **params)
        assert {k: float(r["unanswered_share"]) for k, r in table.items()} == pytest.approx(
            expected, abs=1e-3
        )
