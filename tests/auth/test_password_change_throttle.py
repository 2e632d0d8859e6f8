"""Guessing the current password on the change-password form is throttled like sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.config import get_settings
from app.kit import clock
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio
NEW = "an entirely new passphrase 7"


async def guess(c, current: str):  # type: ignore[no-untyped-def]
    return await c.post("/account/password", data={"current_password": current, "new_password": NEW})


async def test_guessing_the_current_password_is_throttled_per_account(as_role) -> None:
    c = await as_role("candidate")
    limit = get_settings().login_max_failures_per_account
    codes = [(await guess(c, f"wrong guess {i}")).status_code for i in range(limit + 1)]
    assert codes == [422] * limit + [429]
    # throttled: even the right password is refused, with a Retry-After
    r = await guess(c, PASSWORD)
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= get_settings().login_window_minutes * 60
    assert "Too many" in r.text
    # a second session of the same account is throttled too (per account, not per session)
    other = await as_role("candidate")
    assert (await guess(other, PASSWORD)).status_code == 200  # another account is not
    clock.advance(timedelta(minutes=get_settings().login_window_minutes, seconds=1))
    assert (await guess(c, PASSWORD)).status_code == 200


async def test_guessing_is_throttled_per_ip(as_role, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "login_max_failures_per_ip", 3)
    first, second = await as_role("candidate"), await as_role("candidate")
    assert [(await guess(first, "nope")).status_code for _ in range(2)] == [422, 422]
    assert (await guess(second, "nope")).status_code == 422
    r = await guess(second, PASSWORD)  # the same address has used up its guesses
    assert r.status_code == 429 and "Retry-After" in r.headers


async def test_failed_guesses_are_audited(as_role) -> None:
    c = await as_role("candidate")
    await guess(c, "wrong")
    admin = await as_role("admin")
    assert "password_change_failed" in (await admin.get("/admin/audit")).text
