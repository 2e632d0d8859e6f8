"""Linear navigation stops at the last question.

The page offers "Next question" on every question but the last, yet the server moved on from any
position it was given: a "next" posted from the last question (a script, an old form) moved the
attempt past its items, and the candidate was left with no question on the page and no way back.
"""

from __future__ import annotations

import pytest

from tests.interviews.conftest import start

pytestmark = pytest.mark.anyio


async def test_next_from_the_last_question_is_refused(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format(navigation="linear")).id)
    last = len(a["items"]) - 1
    for position in range(last):
        assert (
            await c.post(f"/attempts/{a['id']}/next", data={"position": str(position)})
        ).status_code == 303
    r = await c.post(f"/attempts/{a['id']}/next", data={"position": str(last)})
    assert r.status_code == 409 and "last question" in r.text
    page = await c.get(f"/attempts/{a['id']}")
    assert a["items"][last]["title"] in page.text  # still on the page, still answerable
    assert (await c.get(f"/api/v1/attempts/{a['id']}")).json()["current_position"] == last
