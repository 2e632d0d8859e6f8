"""The audit log records security events (never secrets); stale password hashes are upgraded on sign-in."""

from __future__ import annotations

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select, update

from app.auth.models import AuditEvent, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio


async def test_security_events_are_audited(db, make_client, users, as_role) -> None:
    admin = await as_role("admin")
    user, _ = await users.create()
    c = await make_client()
    await c.get("/login")
    await c.post("/login", data={"email": user.email, "password": "wrong password!"})
    await c.login(user.email, PASSWORD)
    await c.post("/account/tokens", data={"name": "ci"})
    await c.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "brand new passphrase"}
    )
    await admin.post(
        f"/admin/users/{user.id}",
        data={"roles": ["candidate", "mentor"], "is_active": "on", "time_factor": "1.50"},
    )
    await admin.post(
        f"/admin/users/{user.id}", data={"roles": ["candidate", "mentor"], "time_factor": "1.50"}
    )
    async with db() as s:
        events = (await s.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars().all()
    kinds = [e.event for e in events]
    for expected in (
        "login_failed",
        "login",
        "token_created",
        "password_changed",
        "roles_changed",
        "time_factor_changed",
        "user_disabled",
    ):
        assert expected in kinds, expected
    assert all(e.created_at.tzinfo is not None for e in events)
    dumped = " ".join(str(e.detail) + str(e.subject) for e in events)
    assert PASSWORD not in dumped and "brand new passphrase" not in dumped and "mlm_" not in dumped
    page = await admin.get("/admin/audit")
    assert page.status_code == 200 and "roles_changed" in page.text


async def test_stale_hash_is_upgraded_on_login(db, client, users) -> None:
    user, _ = await users.create()
    old = PasswordHash((Argon2Hasher(memory_cost=2048, time_cost=3, parallelism=1),)).hash(PASSWORD)
    async with db() as s:
        await s.execute(update(User).where(User.id == user.id).values(password_hash=old))
        await s.commit()
    await client.login(user.email, PASSWORD)
    async with db() as s:
        new = (await s.execute(select(User.password_hash).where(User.id == user.id))).scalar_one()
    assert new != old and new.startswith("$argon2id$") and "m=1024" in new
