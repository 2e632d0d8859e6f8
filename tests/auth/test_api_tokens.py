"""Personal access tokens: scopes, expiry, minting only from a session, revocation on password
change and on disable — all through HTTP, as a script and a browser see it."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from app.kit import clock
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio


async def mint(c, **body) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    r = await c.post("/api/v1/tokens", json={"name": "script", **body})
    assert r.status_code == 201, r.text
    return r.json()["token"], r.json()


def script(c) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    """A client without cookies, as a script would be."""
    return httpx.AsyncClient(transport=c._transport, base_url="https://testserver")


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


async def test_default_token_reads_but_cannot_write(as_role) -> None:
    c = await as_role("candidate")
    raw, body = await mint(c)
    assert body["scopes"] == ["read"]
    _, other = await mint(c, scopes=["read", "write"])
    async with script(c) as s:
        assert (await s.get("/api/v1/me", headers=bearer(raw))).status_code == 200
        r = await s.delete(f"/api/v1/tokens/{other['id']}", headers=bearer(raw))
        assert r.status_code == 403 and r.json()["reason"] == "scope"


async def test_write_scope_allows_unsafe_methods_on_own_data(as_role) -> None:
    c = await as_role("candidate")
    raw, _ = await mint(c, scopes=["write"])
    _, other = await mint(c)
    async with script(c) as s:
        assert (await s.delete(f"/api/v1/tokens/{other['id']}", headers=bearer(raw))).status_code == 204
        # write implies read
        assert (await s.get("/api/v1/me", headers=bearer(raw))).status_code == 200


async def test_admin_routes_need_the_admin_scope(as_role) -> None:
    admin = await as_role("admin")
    plain, _ = await mint(admin, scopes=["read", "write"])
    strong, body = await mint(admin, scopes=["admin"])
    assert body["scopes"] == ["read", "admin"]
    async with script(admin) as s:
        r = await s.get("/api/v1/admin/users", headers=bearer(plain))
        assert r.status_code == 403 and r.json()["reason"] == "scope"
        assert (await s.get("/api/v1/admin/users", headers=bearer(strong))).status_code == 200


async def test_only_admins_can_mint_admin_tokens(as_role) -> None:
    c = await as_role("mentor")
    r = await c.post("/api/v1/tokens", json={"name": "x", "scopes": ["admin"]})
    assert r.status_code == 422
    r = await c.post("/api/v1/tokens", json={"name": "x", "scopes": ["everything"]})
    assert r.status_code == 422


async def test_tokens_expire_after_90_days_by_default(as_role) -> None:
    c = await as_role("candidate")
    raw, body = await mint(c)
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires - clock.now() == pytest.approx(timedelta(days=90), abs=timedelta(minutes=1))
    short, body7 = await mint(c, expires_in_days=7)
    assert datetime.fromisoformat(body7["expires_at"]) - clock.now() < timedelta(days=7, minutes=1)
    for days in (0, 366, "x"):
        r = await c.post("/api/v1/tokens", json={"name": "x", "expires_in_days": days})
        assert r.status_code == 422
    async with script(c) as s:
        clock.advance(timedelta(days=8))
        assert (await s.get("/api/v1/me", headers=bearer(short))).status_code == 401
        assert (await s.get("/api/v1/me", headers=bearer(raw))).status_code == 200
        clock.advance(timedelta(days=83))
        assert (await s.get("/api/v1/me", headers=bearer(raw))).status_code == 401


async def test_a_token_cannot_mint_tokens(as_role) -> None:
    c = await as_role("admin")
    raw, _ = await mint(c, scopes=["read", "write", "admin"])
    async with script(c) as s:
        r = await s.post("/api/v1/tokens", json={"name": "child"}, headers=bearer(raw))
        assert r.status_code == 403
        listed = await s.get("/api/v1/tokens", headers=bearer(raw))
        assert [t["name"] for t in listed.json()] == ["script"]


async def test_password_change_revokes_every_token(as_role) -> None:
    c = await as_role("candidate")
    raw, _ = await mint(c, scopes=["write"])
    page = await c.get("/account")
    assert "revokes all your API tokens" in page.text
    r = await c.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "a much newer passphrase 42"}
    )
    assert r.status_code == 200 and "API tokens were revoked" in r.text
    async with script(c) as s:
        assert (await s.get("/api/v1/me", headers=bearer(raw))).status_code == 401
    tokens = (await c.get("/api/v1/tokens")).json()
    assert all(t["revoked_at"] for t in tokens)


async def test_disabling_a_user_revokes_their_tokens(as_role, client) -> None:
    c = await as_role("candidate")
    raw, _ = await mint(c)
    admin = await as_role("admin")
    user_id = c.user.id  # type: ignore[attr-defined]
    page = await admin.get(f"/admin/users/{user_id}")
    assert "revokes their API tokens" in page.text
    form = {"roles": ["candidate"], "time_factor": "1.00"}
    assert (await admin.post(f"/admin/users/{user_id}", data=form)).status_code == 200
    # enabled again: the old token stays dead
    assert (await admin.post(f"/admin/users/{user_id}", data={**form, "is_active": "on"})).status_code == 200
    async with script(c) as s:
        assert (await s.get("/api/v1/me", headers=bearer(raw))).status_code == 401
    audit = await admin.get("/admin/audit")
    assert "tokens_revoked" in audit.text


async def test_account_page_offers_scopes_and_expiry(as_role) -> None:
    c = await as_role("candidate")
    page = await c.get("/account")
    assert 'name="scopes"' in page.text and 'name="expires_in_days"' in page.text
    assert 'value="admin"' not in page.text  # candidates cannot mint admin tokens
    r = await c.post("/account/tokens", data={"name": "form", "scopes": ["write"], "expires_in_days": "30"})
    assert r.status_code == 200 and "shown once" in r.text
    (token,) = (await c.get("/api/v1/tokens")).json()
    assert token["scopes"] == ["read", "write"]
    assert datetime.fromisoformat(token["expires_at"]) - clock.now() < timedelta(days=30, minutes=1)
    admin = await as_role("admin")
    assert 'value="admin"' in (await admin.get("/account")).text
