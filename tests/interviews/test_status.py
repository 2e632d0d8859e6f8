"""Issue 11, defects 3, 5 and 6 through HTTP: the status endpoint the page polls (an extension
reaches a page that is not saving), the server deciding at the deadline, a fresh CSRF token after
a new session, and the results page of a strict attempt that did not count."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.kit import clock
from tests.factories import PASSWORD
from tests.interviews.conftest import saving, start

pytestmark = pytest.mark.anyio


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_status_learns_an_extension_without_any_save(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format()
    a = await start(c, fmt.id)
    for url in (f"/attempts/{a['id']}/status", f"/api/v1/attempts/{a['id']}/status"):
        r = await c.get(url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (
            body["state"] == "in_progress" and body["phase"] == "open" and body["expiry_mode"] == "autosubmit"
        )
        assert body["deadline_at"] == a["deadline_at"] and 590 < body["remaining_seconds"] <= 600
    admin = await as_role("admin")
    assert (await admin.post(f"/admin/attempts/{a['id']}/extend", data={"minutes": "5"})).status_code == 303
    body = (await c.get(f"/attempts/{a['id']}/status")).json()
    assert ts(body["deadline_at"]) - ts(a["deadline_at"]) == timedelta(minutes=5)
    # past the old deadline the attempt is still open, and the server says how long is left
    clock.advance(timedelta(minutes=10, seconds=30))
    body = (await c.get(f"/attempts/{a['id']}/status")).json()
    assert body["state"] == "in_progress" and body["phase"] == "open"
    assert 260 < body["remaining_seconds"] <= 270
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    r = await c.post(
        f"/attempts/{a['id']}/items/{item['id']}/answer", json={**saving(0), "text": "extra time"}
    )
    assert r.status_code == 200 and ts(r.json()["deadline_at"]) == ts(body["deadline_at"])
    # at the new deadline the server decides: the status request finalises it
    clock.advance(timedelta(minutes=5))
    body = (await c.get(f"/attempts/{a['id']}/status")).json()
    assert body["state"] == "expired" and body["phase"] == "over"


async def test_grace_phase_is_reported(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format(expiry_mode="grace", grace_seconds=60)).id)
    clock.advance(timedelta(minutes=10, seconds=10))
    body = (await c.get(f"/api/v1/attempts/{a['id']}/status")).json()
    assert body["state"] == "in_progress" and body["phase"] == "grace" and body["remaining_seconds"] == 0
    assert ts(body["submit_until"]) == ts(a["deadline_at"]) + timedelta(seconds=60)


async def test_status_is_the_owners_only(as_role, make_format, client) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    other = await as_role("candidate")
    assert (await other.get(f"/api/v1/attempts/{a['id']}/status")).status_code == 404
    assert (await client.get(f"/api/v1/attempts/{a['id']}/status")).status_code == 401


async def test_strict_attempt_not_submitted_says_plainly_it_did_not_count(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format(expiry_mode="strict")).id)
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    await c.post(f"/attempts/{a['id']}/items/{item['id']}/answer", json={**saving(0), "text": "unsent"})
    page = await c.get(f"/attempts/{a['id']}")
    assert 'data-expiry-mode="strict"' in page.text and 'id="strict-warning"' in page.text
    clock.advance(timedelta(minutes=10))
    r = await c.get(f"/attempts/{a['id']}/results")
    assert r.status_code == 200
    assert "This attempt did not count." in r.text
    assert "Awaiting review" not in r.text and "awaiting review by a mentor" not in r.text


async def test_a_new_session_gets_its_csrf_token_without_a_reload(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    """Signed out, signed in again in another tab: the page fetches the new token and saves."""
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = next(i for i in a["items"] if i["kind"] == "free_text")
    url = f"/attempts/{a['id']}/items/{item['id']}/answer"
    old_token = c.csrf
    # signed out; then the other tab signs in again: the browser's cookie is now a new session
    assert (await c.post("/logout")).status_code in (200, 303)
    r = await c.post(
        url,
        json={**saving(0), "text": "typed while signed out"},
        headers={"X-CSRFToken": old_token, "Accept": "application/json"},
    )
    assert r.status_code == 401 and r.json()["error"]
    await c.login(c.user.email, PASSWORD)  # type: ignore[attr-defined]
    r = await c.post(
        url,
        json={**saving(0), "text": "typed while signed out"},
        headers={"X-CSRFToken": old_token, "Accept": "application/json"},
    )
    assert r.status_code == 403 and r.json()["reason"] == "csrf"
    fresh = (await c.get("/csrf-token")).json()["csrf_token"]
    assert fresh != old_token
    r = await c.post(
        url, json={**saving(0), "text": "typed while signed out"}, headers={"X-CSRFToken": fresh}
    )
    assert r.status_code == 200, r.text


async def test_healthz_never_touches_the_database(app, client, as_role) -> None:  # type: ignore[no-untyped-def]
    from app.db import make_engine, make_sessionmaker

    c = await as_role("candidate")
    good_engine, good_maker = app.state.resources.engine, app.state.resources.sessionmaker
    dead = make_engine("postgresql://nobody@127.0.0.1:1/none", pool_size=1)
    app.state.resources.engine, app.state.resources.sessionmaker = dead, make_sessionmaker(dead)
    try:
        for caller, headers in (
            (client, {}),
            (c, {}),
            (client, {"Authorization": "Bearer mlm_not_a_real_token"}),
        ):
            r = await caller.get("/healthz", headers=headers)
            assert r.status_code == 200 and r.json() == {"status": "ok"}, r.text
    finally:
        await dead.dispose()
        app.state.resources.engine, app.state.resources.sessionmaker = good_engine, good_maker
