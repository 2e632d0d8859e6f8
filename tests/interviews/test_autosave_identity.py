"""Who may save: the autosave path applies the same session and token rules as every other request
(one rule, app/auth/validity.py), including the bookkeeping a client sees (a token's "last used")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.kit import clock
from tests.interviews.conftest import saving, start

pytestmark = pytest.mark.anyio


def _path(a: dict, item: dict) -> str:  # type: ignore[type-arg]
    return f"/api/v1/attempts/{a['id']}/items/{item['id']}/answer"


async def _token(c, name: str) -> tuple[str, dict]:  # type: ignore[no-untyped-def, type-arg]
    r = await c.post("/api/v1/tokens", json={"name": name, "scopes": ["read", "write"], "expires_in_days": 7})
    assert r.status_code == 201, r.text
    body = r.json()
    return body["token"], body


async def _last_used(c, token_id: str):  # type: ignore[no-untyped-def]
    r = await c.get("/api/v1/tokens")
    assert r.status_code == 200, r.text
    return next(t for t in r.json() if t["id"] == token_id)["last_used_at"]


async def test_a_save_by_api_token_marks_the_token_used(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    raw, created = await _token(c, "saver")
    assert await _last_used(c, created["id"]) is None
    bearer = {"Authorization": f"Bearer {raw}"}
    r = await c.post(_path(a, item), json={**saving(0), "text": "by script"}, headers=bearer, csrf=False)
    assert r.status_code == 200, r.text
    first = await _last_used(c, created["id"])
    assert first is not None  # the account page's "Last used" shows the save
    # like any other request: recorded at most once a minute, then again after that
    r = await c.post(_path(a, item), json={**saving(1), "text": "again"}, headers=bearer, csrf=False)
    assert r.status_code == 200 and await _last_used(c, created["id"]) == first
    clock.advance(timedelta(minutes=2))
    r = await c.post(_path(a, item), json={**saving(2), "text": "later"}, headers=bearer, csrf=False)
    assert r.status_code == 200, r.text
    assert await _last_used(c, created["id"]) > first


async def test_an_idle_session_is_signed_out_on_pages_and_saves_alike(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format(time_limit_minutes=180)).id)
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    assert (await c.post(_path(a, item), json={**saving(0), "text": "x"})).status_code == 200
    # a save keeps the session alive (it slides the idle timeout like a page view)
    for _ in range(3):
        clock.advance(timedelta(minutes=20))
        r = await c.post(_path(a, item), json={**saving(0), "text": "x"})
        assert r.status_code == 200, r.text
    assert (await c.get("/api/v1/attempts")).status_code == 200
    clock.advance(timedelta(minutes=31))
    assert (await c.post(_path(a, item), json={**saving(1), "text": "y"})).status_code == 401
    assert (await c.get("/api/v1/attempts")).status_code == 401
