"""403s, CSRF failures, 429s and imports leave audit rows (capped per address); the access log
names the user and the client address (X-Forwarded-For only from trusted proxies)."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from app.config import get_settings
from app.web.logging import JsonFormatter
from tests.factories import PASSWORD
from tests.imports.helpers import GIFT

pytestmark = pytest.mark.anyio


async def _events(db, event: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    async with db() as s:
        stmt = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        return list((await s.execute(stmt)).scalars())


async def test_forbidden_is_audited_with_user_and_address(as_role, db) -> None:
    c = await as_role("candidate")
    assert (await c.get("/admin/users")).status_code == 403
    [row] = await _events(db, "forbidden")
    assert row.actor_id == c.user.id and str(row.ip) == "127.0.0.1"
    assert row.detail["path"] == "/admin/users" and row.detail["method"] == "GET"


async def test_csrf_failures_are_audited(client, users, db) -> None:
    user, _ = await users.create()
    await client.login(user.email, PASSWORD)
    assert (await client.post("/account/tokens", data={"name": "x"}, csrf=False)).status_code == 403
    cross = await client.post(
        "/account/tokens", data={"name": "x"}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    rows = await _events(db, "csrf_failed")
    assert [r.detail.get("reason") for r in rows] == ["csrf", "cross_site"]
    assert rows[0].actor_id == user.id


async def test_429s_are_audited(as_role, db, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "rate_search_per_user", "1/minute")
    c = await as_role("candidate")
    await c.get("/questions")
    assert (await c.get("/questions")).status_code == 429
    [row] = await _events(db, "rate_limited")
    assert row.actor_id == c.user.id and row.detail["path"] == "/questions"


async def test_refusal_audit_is_capped_per_address(as_role, db, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "rate_audit_per_ip", "3/hour")
    c = await as_role("candidate")
    for _ in range(10):
        assert (await c.get("/admin/users")).status_code == 403
    assert len(await _events(db, "forbidden")) == 3


async def test_imports_are_audited(as_role, db) -> None:
    admin = await as_role("admin")
    assert (await admin.post("/api/v1/imports?dry_run=true&format=gift", content=GIFT)).status_code == 200
    assert await _events(db, "questions_imported") == []  # a preview is not an import
    r = await admin.post("/api/v1/imports?format=gift&filename=bank.gift", content=GIFT)
    assert r.status_code == 200 and r.json()["imported"]
    [row] = await _events(db, "questions_imported")
    assert (
        row.actor_id == admin.user.id and row.detail["create"] == 12 and row.detail["filename"] == "bank.gift"
    )


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.records: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(self.format(record))
        if line["msg"] == "request":
            self.records.append(line)


@pytest.fixture
def access_log():  # type: ignore[no-untyped-def]
    handler = Captured()
    logger = logging.getLogger("mlmock.http")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(old)


async def test_access_log_has_user_and_client_address(as_role, client, access_log, monkeypatch) -> None:
    c = await as_role("candidate")
    await c.get("/account", headers={"X-Forwarded-For": "203.0.113.50"})
    last = access_log[-1]
    assert last["path"] == "/account" and last["user_id"] == str(c.user.id)
    assert last["ip"] == "127.0.0.1"  # no trusted proxy: the header is ignored
    monkeypatch.setattr(get_settings(), "trusted_proxies", "127.0.0.1/32")
    await c.get("/account", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.50"})
    assert access_log[-1]["ip"] == "203.0.113.50"  # the right-most hop the proxy saw
    await client.get("/healthz")  # anonymous
    assert access_log[-1]["user_id"] is None and access_log[-1]["ip"] == "127.0.0.1"
