"""Issue 16 build item: an instructions page before the clock starts. Opening it starts nothing;
the Start button does (and the one-open-attempt rule still holds)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.interviews.models import Attempt

pytestmark = pytest.mark.anyio


async def _attempts(db) -> int:  # type: ignore[no-untyped-def]
    async with db() as s:
        return int((await s.execute(select(func.count()).select_from(Attempt))).scalar_one())


async def test_instructions_before_the_clock(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(
        title="Strict drill", expiry_mode="strict", navigation="linear", time_limit_minutes=1
    )
    dashboard = await c.get("/interviews")
    assert f'href="/interviews/{fmt.id}/start"' in dashboard.text

    page = await c.get(f"/interviews/{fmt.id}/start")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Strict drill" in text and "1 minute" in text
    assert "one question at a time" in text.lower() and "not counted" in text.lower()
    assert f'action="/interviews/{fmt.id}/start"' in page.text and "Start the clock" in page.text
    assert await _attempts(db) == 0  # reading the instructions starts nothing

    r = await c.post(f"/interviews/{fmt.id}/start", data={})
    assert r.status_code == 303
    attempt_url = r.headers["location"]
    assert await _attempts(db) == 1
    # with an attempt open, the instructions page sends the candidate back to it
    again = await c.get(f"/interviews/{fmt.id}/start")
    assert again.status_code == 303 and again.headers["location"] == attempt_url
    assert (await c.post(f"/interviews/{fmt.id}/start", data={})).headers["location"] == attempt_url
    assert await _attempts(db) == 1


async def test_instructions_of_a_closed_format_are_404(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(title="Draft drill", status="draft")
    assert (await c.get(f"/interviews/{fmt.id}/start")).status_code == 404
