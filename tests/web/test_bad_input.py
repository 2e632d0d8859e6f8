"""Hostile input never reaches a 500, and every response — a 500 included — carries the
security headers and the request id (issue 13, point 3 and 4)."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi import Depends
from sqlalchemy import text

from app.auth.dependencies import public
from app.web.logging import JsonFormatter
from tests.factories import PASSWORD

pytestmark = pytest.mark.anyio


def assert_hardened(r) -> None:  # type: ignore[no-untyped-def]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-request-id"]


class Captured(logging.Handler):
    """The JSON lines the app would write, kept in memory (the suite runs with -p no:logging)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def records(self, msg: str) -> list[dict[str, object]]:
        return [d for d in map(json.loads, self.lines) if d["msg"] == msg]


@pytest.fixture
def logs():  # type: ignore[no-untyped-def]
    handler = Captured()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements and their parameters
    yield handler
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_nul_in_login_form_is_422_with_headers(client) -> None:
    await client.get("/login")
    r = await client.post(
        "/login",
        content=b"email=a%00b@x.test&password=whatever+pass&next=/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 422
    assert_hardened(r)


async def test_nul_in_query_is_422_even_anonymously(client, as_role) -> None:
    r = await client.get("/questions?tag=%00")
    assert r.status_code == 422
    assert_hardened(r)
    c = await as_role("candidate")
    r = await c.get("/questions?tag=%00")
    assert r.status_code == 422
    assert_hardened(r)
    r = await c.get("/api/v1/questions?q=a%00b")
    assert r.status_code == 422 and r.json()["error"]


async def test_nul_in_json_body_is_422(as_role) -> None:
    c = await as_role("candidate")
    r = await c.post("/api/v1/tokens", json={"name": "a\u0000b"})
    assert r.status_code == 422 and r.json()["error"]


async def test_out_of_range_integer_is_422(as_role) -> None:
    c = await as_role("mentor")
    r = await c.get("/reviews?topic_id=35184372088832")
    assert r.status_code == 422
    assert_hardened(r)
    r = await c.get("/reviews?topic_id=999999999999999999999999999")
    assert r.status_code == 422


@pytest.mark.own_app
async def test_unhandled_error_is_500_with_headers_and_logged_with_status(app, client, logs) -> None:
    async def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_api_route("/boom-for-test", boom, dependencies=[Depends(public)])
    app.add_api_route("/api/v1/boom-for-test", boom, dependencies=[Depends(public)])
    page = await client.get("/boom-for-test", headers={"X-Request-ID": "rid-500-test"})
    assert page.status_code == 500
    assert_hardened(page)
    assert page.headers["x-request-id"] == "rid-500-test"
    assert "kaboom" not in page.text
    api = await client.get("/api/v1/boom-for-test")
    assert api.status_code == 500 and api.json()["error"]
    assert_hardened(api)
    access = [d for d in logs.records("request") if d["path"] == "/boom-for-test"]
    assert [d["status"] for d in access] == [500]
    assert [d["request_id"] for d in logs.records("unhandled error")][:1] == ["rid-500-test"]


async def test_failed_registration_insert_logs_no_password_hash(client, db, logs) -> None:
    # Make the INSERT itself fail inside Postgres, after the hash was computed and bound.
    async with db() as s:
        await s.execute(
            text(
                "CREATE FUNCTION refuse_user() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$"
            )
        )
        await s.execute(
            text(
                "CREATE TRIGGER refuse_user BEFORE INSERT ON app_user FOR EACH ROW EXECUTE FUNCTION refuse_user()"
            )
        )
        await s.commit()
    await client.get("/register")
    r = await client.post(
        "/register", data={"email": "new@example.org", "display_name": "New", "password": PASSWORD}
    )
    assert r.status_code == 500
    assert_hardened(r)
    assert any("refused for the test" in line for line in logs.lines)
    assert not any("$argon2" in line for line in logs.lines)


async def test_nul_in_display_name_logs_no_password_hash(client, logs) -> None:
    await client.get("/register")
    r = await client.post(
        "/register", data={"email": "nul@example.org", "display_name": "a\x00b", "password": PASSWORD}
    )
    assert r.status_code == 422
    assert not any("$argon2" in line for line in logs.lines)
