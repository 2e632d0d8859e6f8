"""TOTP two-factor sign-in for mentors and admins: enrolment with a QR code, the code step at
sign-in, one-time codes, hashed recovery codes, throttling, audit, and the admin requirement."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pyotp
import pytest
from sqlalchemy import select

from app.auth.models import RecoveryCode
from app.config import get_settings
from app.kit import clock
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio
COOKIE = get_settings().session_cookie
# the code each enrolment was confirmed with: a replay must send that very code (the clock runs, so
# recomputing "the current code" a moment later may give the next 30-second step's code)
CONFIRMED: dict[str, str] = {}


async def enrol(c) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    page = await c.get("/account/mfa")
    assert "Set up two-factor sign-in" in page.text
    r = await c.post("/account/mfa/setup")
    assert r.status_code == 200 and "<svg" in r.text and "otpauth://totp/" in r.text
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert (await c.post("/account/mfa/confirm", data={"code": "000000"})).status_code == 422
    CONFIRMED[secret] = pyotp.TOTP(secret).at(clock.now())
    r = await c.post("/account/mfa/confirm", data={"code": CONFIRMED[secret]})
    assert r.status_code == 200 and "shown <strong>only now</strong>" in r.text
    codes = re.findall(r"<li><code>([a-z2-7-]+)</code></li>", r.text)
    assert len(codes) == 10
    return secret, codes


async def password_step(make_client, email: str):  # type: ignore[no-untyped-def]
    c = await make_client()
    await c.get("/login")
    r = await c.post("/login", data={"email": email, "password": PASSWORD, "next": "/account"})
    return c, r


def code(secret: str) -> str:
    return pyotp.TOTP(secret).at(clock.now())


async def test_mentor_enrols_and_then_signs_in_with_a_code(as_role, make_client) -> None:
    mentor = await as_role("mentor")
    secret, _ = await enrol(mentor)
    email = mentor.user.email  # type: ignore[attr-defined]
    c, r = await password_step(make_client, email)
    # the password alone gives no session: only the code step
    assert r.status_code == 303 and r.headers["location"].startswith("/login/mfa")
    assert COOKIE not in r.cookies
    assert (await c.get("/account")).status_code == 303
    assert (await c.get("/login/mfa")).status_code == 200
    assert (await c.post("/login/mfa", data={"code": "123456", "next": "/account"})).status_code == 422
    # the code used to confirm enrolment cannot be replayed; the next one works
    assert (
        await c.post("/login/mfa", data={"code": CONFIRMED[secret], "next": "/account"})
    ).status_code == 422
    clock.advance(timedelta(seconds=30))
    used = code(secret)
    r = await c.post("/login/mfa", data={"code": used, "next": "/account"})
    assert r.status_code == 303 and r.headers["location"] == "/account" and COOKIE in r.cookies
    assert (await c.get("/account")).status_code == 200
    # the same code once more (another sign-in) is refused: each code is good once
    other, _ = await password_step(make_client, email)
    assert (await other.post("/login/mfa", data={"code": used})).status_code == 422
    admin = await as_role("admin")
    audit = (await admin.get("/admin/audit")).text
    for event in ("mfa_enabled", "mfa_verified", "mfa_failed"):
        assert event in audit


async def test_recovery_codes_work_once_and_are_stored_hashed(as_role, make_client, db) -> None:
    mentor = await as_role("mentor")
    _, codes = await enrol(mentor)
    async with db() as s:
        stored = (await s.execute(select(RecoveryCode.code_hash))).scalars().all()
    assert len(stored) == 10 and all(codes[0].encode() not in h for h in stored)
    email = mentor.user.email  # type: ignore[attr-defined]
    c, _ = await password_step(make_client, email)
    r = await c.post("/login/mfa", data={"code": codes[0].upper()})
    assert r.status_code == 303 and COOKIE in r.cookies
    again, _ = await password_step(make_client, email)
    assert (await again.post("/login/mfa", data={"code": codes[0]})).status_code == 422
    assert "9 recovery code(s) left" in (await mentor.get("/account/mfa")).text


async def test_the_code_step_expires_and_cannot_be_forged(as_role, make_client) -> None:
    mentor = await as_role("mentor")
    secret, _ = await enrol(mentor)
    c, _ = await password_step(make_client, mentor.user.email)  # type: ignore[attr-defined]
    clock.advance(timedelta(minutes=6))
    r = await c.post("/login/mfa", data={"code": code(secret)})
    assert r.status_code == 303 and r.headers["location"] == "/login" and COOKIE not in r.cookies
    forged = await make_client()
    await forged.get("/login")
    forged.cookies.set(
        "__Host-mlmock_mfa", f"{mentor.user.id}.{int(clock.now().timestamp())}.00", domain="testserver"
    )  # type: ignore[attr-defined]
    r = await forged.post("/login/mfa", data={"code": code(secret)})
    assert r.status_code == 303 and r.headers["location"] == "/login"


async def test_wrong_codes_are_throttled(as_role, make_client) -> None:
    mentor = await as_role("mentor")
    secret, _ = await enrol(mentor)
    clock.advance(timedelta(seconds=30))
    c, _ = await password_step(make_client, mentor.user.email)  # type: ignore[attr-defined]
    limit = get_settings().login_max_failures_per_account
    codes = [(await c.post("/login/mfa", data={"code": f"00000{i}"})).status_code for i in range(limit + 1)]
    assert codes == [422] * limit + [429]
    r = await c.post("/login/mfa", data={"code": code(secret)})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


async def test_candidates_cannot_enrol(as_role) -> None:
    c = await as_role("candidate")
    assert "available to mentors and admins" in (await c.get("/account/mfa")).text
    assert (await c.post("/account/mfa/setup")).status_code == 403


async def test_turning_it_off_needs_the_password(as_role, make_client) -> None:
    mentor = await as_role("mentor")
    await enrol(mentor)
    assert (await mentor.post("/account/mfa/disable", data={"password": "wrong"})).status_code == 422
    r = await mentor.post("/account/mfa/disable", data={"password": PASSWORD})
    assert r.status_code == 200 and "is off" in r.text
    _, r = await password_step(make_client, mentor.user.email)  # type: ignore[attr-defined]
    assert r.status_code == 303 and r.headers["location"] == "/account" and COOKIE in r.cookies


async def test_admins_must_enrol_when_the_setting_says_so(as_role, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "require_admin_mfa", True)
    admin = await as_role("admin")
    r = await admin.get("/admin/users")
    assert r.status_code == 403 and "two-factor" in r.text
    raw = (await admin.post("/api/v1/tokens", json={"name": "a", "scopes": ["admin"]})).json()["token"]
    async with httpx.AsyncClient(transport=admin._transport, base_url="https://testserver") as script:
        bearer = {"Authorization": f"Bearer {raw}"}
        r = await script.get("/api/v1/admin/users", headers=bearer)
        assert r.status_code == 403 and r.json()["reason"] == "mfa_required"
        await enrol(admin)
        assert (await admin.get("/admin/users")).status_code == 200
        assert (await script.get("/api/v1/admin/users", headers=bearer)).status_code == 200
    assert "Admins must keep it on" in (await admin.get("/account/mfa")).text
    assert (await admin.post("/account/mfa/disable", data={"password": PASSWORD})).status_code == 403


async def test_an_admin_can_reset_a_lost_second_factor(as_role, make_client) -> None:
    mentor = await as_role("mentor")
    await enrol(mentor)
    admin = await as_role("admin")
    target = mentor.user.id  # type: ignore[attr-defined]
    assert "Reset (lost device" in (await admin.get(f"/admin/users/{target}")).text
    r = await admin.post(f"/admin/users/{target}/mfa/reset")
    assert r.status_code == 200 and "was reset" in r.text
    assert (await admin.post(f"/admin/users/{target}/mfa/reset")).status_code == 409
    _, r = await password_step(make_client, mentor.user.email)  # type: ignore[attr-defined]
    assert r.headers["location"] == "/account" and COOKIE in r.cookies
    assert "mfa_reset" in (await admin.get("/admin/audit")).text
    assert (await mentor.post(f"/admin/users/{target}/mfa/reset")).status_code == 403
