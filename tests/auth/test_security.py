"""CSRF, Origin checks, login throttling, security headers, XSS, next=, body limit."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio


async def test_unsafe_request_without_token_is_403(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    r = await client.post("/account/tokens", data={"name": "x"}, csrf=False)
    assert r.status_code == 403
    assert "expired or was sent from another site" in r.text


async def test_token_works_from_form_and_from_htmx_header(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    r = await client.post("/account/tokens", data={"name": "form", "csrf_token": client.csrf}, csrf=False)
    assert r.status_code == 200 and "shown once" in r.text
    r = await client.post(
        "/account/tokens",
        data={"name": "htmx"},
        headers={"HX-Request": "true", "X-CSRFToken": client.csrf},
        csrf=False,
    )
    assert r.status_code == 200 and "shown once" in r.text


async def test_login_form_needs_csrf(client, users) -> None:
    user, _ = await users.create()
    await client.get("/login")
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD}, csrf=False)
    assert r.status_code == 403


@pytest.mark.parametrize(
    "headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}]
)
async def test_cross_site_requests_are_refused(client, users, headers) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    r = await client.post("/account/tokens", data={"name": "x"}, headers=headers)
    assert r.status_code == 403


async def test_same_origin_header_is_accepted(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    r = await client.post(
        "/account/tokens",
        data={"name": "x"},
        headers={"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert r.status_code == 200


async def test_failed_logins_are_throttled_with_identical_bodies(client, users) -> None:
    user, _ = await users.create()
    await client.get("/login")
    unknown = await client.post("/login", data={"email": "nobody@example.org", "password": "whatever pass"})
    wrong = await client.post("/login", data={"email": user.email, "password": "whatever pass"})
    assert unknown.status_code == wrong.status_code == 422

    def strip(text: str, email: str) -> str:
        return text.replace(email, "EMAIL")

    assert strip(unknown.text, "nobody@example.org") == strip(wrong.text, user.email)
    statuses = [
        (await client.post("/login", data={"email": user.email, "password": "nope nope"})).status_code
        for _ in range(6)
    ]
    assert statuses[-1] == 429
    # even the right password is refused while throttled — then works after the window
    assert (await client.post("/login", data={"email": user.email, "password": PASSWORD})).status_code == 429
    from datetime import timedelta

    from app.kit import clock

    clock.advance(timedelta(minutes=16))
    assert (await client.post("/login", data={"email": user.email, "password": PASSWORD})).status_code == 303


async def test_throttle_per_ip(client, users) -> None:
    await client.get("/login")
    codes = [
        (
            await client.post("/login", data={"email": f"x{i}@example.org", "password": "nope nope"})
        ).status_code
        for i in range(21)
    ]
    assert codes[-1] == 429 and codes[0] == 422


def _assert_security_headers(r) -> None:  # type: ignore[no-untyped-def]
    csp = r.headers["content-security-policy"]
    for part in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert part in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    assert r.headers["x-request-id"]


async def test_headers_on_page_fragment_error_and_api(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    page = await client.get("/account")
    fragment = await client.post("/account/tokens", data={"name": "t"}, headers={"HX-Request": "true"})
    error = await client.get("/no/such/page")
    api = await client.get("/api/v1/me")
    for r in (page, fragment, error, api):
        _assert_security_headers(r)
        assert r.headers["cache-control"] == "no-store"
    assert "<html" not in fragment.text and "<html" in page.text
    assert error.status_code == 404 and "<html" in error.text
    assert api.headers["content-type"].startswith("application/json")
    api_404 = await client.get("/api/v1/nothing-here")
    assert api_404.status_code == 404 and api_404.json()["error"]
    assert "HX-Request" in page.headers["vary"]


async def test_xss_in_user_fields_is_escaped(make_client, users, as_role) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    user, _ = await users.create(name=payload, email="xss+<b>@example.org")
    c = await make_client()
    await c.login(user.email, PASSWORD)
    for r in (await c.get("/"), await c.get("/account")):
        assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    r = await c.post("/account/tokens", data={"name": payload})
    assert "<script>alert(1)" not in r.text
    admin = await as_role("admin")
    r = await admin.get("/admin/users")
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text
    r = await admin.get(f"/admin/users/{user.id}")
    assert "<script>alert(1)" not in r.text and "xss+&lt;b&gt;@example.org" in r.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/x",
    ],
)
async def test_next_only_follows_local_paths(client, users, target) -> None:
    user, _ = await users.create()
    await client.get("/login")
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert r.headers["location"] == "/"


async def test_next_local_path_is_followed(client, users) -> None:
    user, _ = await users.create()
    await client.get("/login")
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/account"})
    assert r.headers["location"] == "/account"


async def test_oversized_body_is_413(client) -> None:
    await client.get("/login")
    r = await client.post("/login", data={"email": "a@b.cd", "password": "x" * 2_000_000})
    assert r.status_code == 413


async def test_api_token_auth_and_revocation(client, users) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    r = await client.post("/api/v1/tokens", json={"name": "script"})
    assert r.status_code == 201
    raw, token_id = r.json()["token"], r.json()["id"]
    import httpx

    bearer = {"Authorization": f"Bearer {raw}"}
    async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver") as script:
        me = await script.get("/api/v1/me", headers=bearer)
        assert me.status_code == 200 and me.json()["email"] == user.email
        # a token cannot mint another token (it would outlive the parent's revocation)
        r2 = await script.post("/api/v1/tokens", json={"name": "second"}, headers=bearer)
        assert r2.status_code == 403
        assert (await client.delete(f"/api/v1/tokens/{token_id}")).status_code == 204
        gone = await script.get("/api/v1/me", headers=bearer)
        assert gone.status_code == 401 and gone.json()["error"]


async def test_common_and_short_passwords_are_refused(client) -> None:
    await client.get("/register")
    r = await client.post(
        "/register", data={"email": "n@example.org", "display_name": "N", "password": "password123"}
    )
    assert r.status_code == 422 and "too common" in r.text
    r = await client.post(
        "/register", data={"email": "n@example.org", "display_name": "N", "password": "short"}
    )
    assert r.status_code == 422 and "at least 8" in r.text
    r = await client.post(
        "/register", data={"email": "n@example.org", "display_name": "N", "password": "x" * 64 + " long ok"}
    )
    assert r.status_code == 303


async def test_registration_can_be_closed(client, monkeypatch) -> None:
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "registration_open", False)
    r = await client.get("/register")
    assert r.status_code == 403
