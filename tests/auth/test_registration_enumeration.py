"""Registration does not reveal whether an email has an account: same answer, same cost, and the
existing account's owner is told; it is rate-limited per address and per email."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth import service
from app.auth.models import User
from app.config import get_settings
from app.reviews.models import Notification
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio


async def _register(c, email: str, password: str = "a different long passphrase"):  # type: ignore[no-untyped-def]
    c.cookies.clear()
    await c.get("/register")
    return await c.post("/register", data={"email": email, "display_name": "Someone", "password": password})


def _shape(r, email: str) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    cookies = sorted(h.split("=", 1)[0] for h in r.headers.get_list("set-cookie"))
    return (r.status_code, r.headers.get("location"), cookies, r.text.replace(email, "EMAIL"))


async def test_existing_email_gets_the_same_answer_at_the_same_cost(
    make_client, users, db, monkeypatch
) -> None:
    owner, _ = await users.create(email="taken@example.org")
    hashed: list[str] = []
    real_hash = service.hash_password

    async def counting(password: str) -> str:
        hashed.append(password)
        return await real_hash(password)

    monkeypatch.setattr(service, "hash_password", counting)
    c = await make_client()
    new = await _register(c, "fresh@example.org")
    taken = await _register(c, "Taken@Example.org")
    assert _shape(new, "fresh@example.org") == _shape(taken, "Taken@Example.org")
    assert new.status_code == 303 and new.headers["location"].startswith("/login")
    assert len(hashed) == 2  # the argon2 cost is paid on both paths
    # htmx gets the same too
    for email in ("fresh2@example.org", "taken@example.org"):
        c.cookies.clear()
        await c.get("/register")
        r = await c.post(
            "/register",
            data={"email": email, "display_name": "S", "password": "a different long passphrase"},
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 200 and r.headers["hx-redirect"].startswith("/login")

    async with db() as s:
        accounts = (
            await s.execute(
                select(func.count()).select_from(User).where(func.lower(User.email) == "taken@example.org")
            )
        ).scalar_one()
        notes = (
            (await s.execute(select(Notification).where(Notification.user_id == owner.id))).scalars().all()
        )
    assert accounts == 1
    assert notes and "create an account" in notes[0].message
    # the owner's password is untouched; the new account signs in
    await c.login("taken@example.org", PASSWORD)
    other = await make_client()
    await other.login("fresh@example.org", "a different long passphrase")


async def test_login_page_after_registration_says_what_to_do(client) -> None:
    r = await _register(client, "someone.new@example.org")
    page = await client.get(r.headers["location"])
    assert page.status_code == 200 and "sign in" in page.text.lower() and "sent a message" in page.text


async def test_registration_is_limited_per_email(client, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "rate_register_per_email", "2/hour")
    codes = [(await _register(client, "same@example.org")).status_code for _ in range(3)]
    assert codes[:2] == [303, 303] and codes[2] == 429
