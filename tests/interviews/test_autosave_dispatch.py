"""The save URLs answer the same through the pure-ASGI dispatch (app/interviews/autosave.py)
as any route does through the router: errors by the app's one handler, the router for the rest."""

from __future__ import annotations

import pytest

from tests.interviews.conftest import saving, start

pytestmark = pytest.mark.anyio


async def test_refusals_look_like_any_routes(as_role, make_format, client) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    page = f"/attempts/{a['id']}/items/{item['id']}/answer"
    await client.get("/login")
    # signed out: a browser is sent to sign in, a script gets JSON (the app's error handler decides)
    r = await client.post(page, json={**saving(0), "text": "x"}, headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = await client.post("/api/v1" + page, json={**saving(0), "text": "x"})
    assert r.status_code == 401 and r.json()["error"]
    # what the dispatch does not take goes to the router: a malformed id, another method
    bad = f"/attempts/{a['id']}/items/not-a-uuid-not-a-uuid-not-a-uuid-1234/answer"
    assert (await c.post(bad, json={**saving(0), "text": "x"})).status_code == 422
    assert (await c.get(page)).status_code == 405
    # the security headers of every response are on the save's too
    r = await c.post(page, json={**saving(0), "text": "kept"})
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
