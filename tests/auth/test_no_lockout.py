"""Nobody can lock a victim out: failures throttle the (account, client) pair that made them, and a
client that has not failed recently still signs in with the right password (429s carry Retry-After)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.config import get_settings
from app.kit import clock
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio


@pytest.fixture
def behind_proxy(monkeypatch):  # type: ignore[no-untyped-def]
    """The test client's peer (127.0.0.1) is a trusted proxy: X-Forwarded-For picks the client."""
    monkeypatch.setattr(get_settings(), "trusted_proxies", "127.0.0.1")

    def at(ip: str) -> dict[str, str]:
        return {"X-Forwarded-For": ip}

    return at


async def test_attacker_cannot_lock_out_the_victim(make_client, users, behind_proxy) -> None:
    victim, _ = await users.create()
    attacker, owner = await make_client(), await make_client()
    await attacker.get("/login")
    codes = [
        (
            await attacker.post(
                "/login",
                data={"email": victim.email, "password": "guess guess"},
                headers=behind_proxy("198.51.100.7"),
            )
        ).status_code
        for _ in range(8)
    ]
    assert codes[0] == 422 and codes[-1] == 429
    refused = await attacker.post(
        "/login", data={"email": victim.email, "password": PASSWORD}, headers=behind_proxy("198.51.100.7")
    )
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 15 * 60
    # the owner, from another address that has not failed, signs in at once
    await owner.get("/login")
    ok = await owner.post(
        "/login", data={"email": victim.email, "password": PASSWORD}, headers=behind_proxy("203.0.113.9")
    )
    assert ok.status_code == 303


async def test_distributed_guessing_gets_one_try_per_address(make_client, users, behind_proxy) -> None:
    victim, _ = await users.create()
    c = await make_client()
    await c.get("/login")
    for n in range(1, 7):  # six addresses, one failure each: the account is now under attack
        r = await c.post(
            "/login",
            data={"email": victim.email, "password": "guess guess"},
            headers=behind_proxy(f"192.0.2.{n}"),
        )
        assert r.status_code == 422
    again = await c.post(
        "/login", data={"email": victim.email, "password": "guess again"}, headers=behind_proxy("192.0.2.1")
    )
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    fresh = await c.post(
        "/login", data={"email": victim.email, "password": PASSWORD}, headers=behind_proxy("192.0.2.200")
    )
    assert fresh.status_code == 303


async def test_pair_throttle_ends_after_the_window(client, users) -> None:
    user, _ = await users.create()
    await client.get("/login")
    for _ in range(6):
        await client.post("/login", data={"email": user.email, "password": "nope nope"})
    r = await client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 429 and r.headers["retry-after"]
    clock.advance(timedelta(minutes=get_settings().login_window_minutes + 1))
    assert (await client.post("/login", data={"email": user.email, "password": PASSWORD})).status_code == 303


async def test_untrusted_peer_cannot_choose_its_address(make_client, users) -> None:
    """Without trusted proxies, X-Forwarded-For is ignored: rotating it does not reset the throttle."""
    user, _ = await users.create()
    c = await make_client()
    await c.get("/login")
    codes = [
        (
            await c.post(
                "/login",
                data={"email": user.email, "password": "nope nope"},
                headers={"X-Forwarded-For": f"10.1.1.{n}"},
            )
        ).status_code
        for n in range(8)
    ]
    assert codes[-1] == 429
