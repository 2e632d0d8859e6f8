"""Sessions: fixation, replay after logout, timeouts, password change, cookie flags."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.config import get_settings
from app.kit import clock
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio
COOKIE = get_settings().session_cookie


async def test_cookie_flags(client, users) -> None:
    user, _ = await users.create()
    await client.get("/login")
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 303
    set_cookie = r.headers["set-cookie"]
    assert set_cookie.startswith("__Host-mlmock_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert flag.lower() in set_cookie.lower()
    assert "domain" not in set_cookie.lower()
    assert len(r.cookies[COOKIE]) >= 43  # 256 bits, URL-safe base64


async def test_fixation_presented_id_is_not_kept(client, users) -> None:
    user, _ = await users.create()
    client.cookies.set(COOKIE, "attacker-chosen-value", domain="testserver")
    await client.get("/login")
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.cookies[COOKIE] != "attacker-chosen-value"


async def test_login_rotates_and_old_id_is_rejected(make_client, users) -> None:
    user, _ = await users.create()
    c = await make_client()
    await c.login(user.email, PASSWORD)
    first = c.cookies[COOKIE]
    await c.login(user.email, PASSWORD)
    second = c.cookies[COOKIE]
    assert first != second
    stale = await make_client()
    stale.cookies.set(COOKIE, first, domain="testserver")
    assert (await stale.get("/account")).status_code == 303  # sent to the login page


async def test_replay_after_logout_fails(make_client, users) -> None:
    user, _ = await users.create()
    c = await make_client()
    await c.login(user.email, PASSWORD)
    raw = c.cookies[COOKIE]
    r = await c.post("/logout")
    assert r.status_code == 303
    replay = await make_client()
    replay.cookies.set(COOKIE, raw, domain="testserver")
    r = await replay.get("/account")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_idle_timeout(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    clock.advance(timedelta(minutes=29))
    assert (await client.get("/account")).status_code == 200  # activity slides the idle window
    clock.advance(timedelta(minutes=29))
    assert (await client.get("/account")).status_code == 200
    clock.advance(timedelta(minutes=31))
    assert (await client.get("/account")).status_code == 303


async def test_absolute_timeout(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    for _ in range(26):  # active every 28 minutes for just over 12 hours
        clock.advance(timedelta(minutes=28))
        r = await client.get("/account")
    assert r.status_code == 303


async def test_password_change_kills_other_sessions(make_client, users) -> None:
    user, _ = await users.create()
    a, b = await make_client(), await make_client()
    await a.login(user.email, PASSWORD)
    await b.login(user.email, PASSWORD)
    r = await a.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a much longer new passphrase"},
    )
    assert r.status_code == 200 and "Password changed" in r.text
    assert (await a.get("/account")).status_code == 200
    assert (await b.get("/account")).status_code == 303
    fresh = await make_client()
    await fresh.get("/login")
    bad = await fresh.post("/login", data={"email": user.email, "password": PASSWORD})
    assert bad.status_code == 422


async def test_password_change_needs_current_password(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    r = await client.post(
        "/account/password",
        data={"current_password": "wrong one!", "new_password": "another long passphrase"},
    )
    assert r.status_code == 422 and "Not correct." in r.text


async def test_disabled_user_is_signed_out(as_role, make_client, users) -> None:
    admin = await as_role("admin")
    user, _ = await users.create()
    c = await make_client()
    await c.login(user.email, PASSWORD)
    r = await admin.post(f"/admin/users/{user.id}", data={"roles": ["candidate"], "time_factor": "1.00"})
    assert r.status_code == 200
    assert (await c.get("/account")).status_code == 303
