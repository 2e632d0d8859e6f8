"""Rate limits on search, imports, previews and registration: 429 + Retry-After, per user and per IP."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.config import get_settings
from app.kit import clock, ratelimit
from app.kit.ratelimit import PoolStore, Rate, check

pytestmark = pytest.mark.anyio


@pytest.fixture
def rates(monkeypatch):  # type: ignore[no-untyped-def]
    def set_rates(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setattr(get_settings(), name, value)

    return set_rates


def assert_429(r, api: bool = False) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["retry-after"]) <= 2 * 3600  # at most two windows
    assert r.headers["x-request-id"] and r.headers["cache-control"] == "no-store"
    if api:
        assert r.json()["reason"] == "rate_limited" and r.json()["error"]


async def test_search_is_limited_per_user_then_recovers(as_role, rates) -> None:
    rates(rate_search_per_user="3/minute")
    c = await as_role("candidate")
    codes = [(await c.get("/questions?q=loss")).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert_429(await c.get("/questions?q=loss"))
    assert_429(await c.get("/api/v1/questions?q=loss"), api=True)
    other = await as_role("candidate")  # same IP, another user: its own budget
    assert (await other.get("/api/v1/questions?q=loss")).status_code == 200
    clock.advance(timedelta(minutes=3))
    assert (await c.get("/questions?q=loss")).status_code == 200


async def test_search_is_limited_per_ip(as_role, rates) -> None:
    rates(rate_search_per_ip="4/minute")
    a, b = await as_role("candidate"), await as_role("admin")
    assert [(await a.get("/questions")).status_code for _ in range(2)] == [200, 200]
    assert [(await b.get("/admin/questions?q=x")).status_code for _ in range(2)] == [200, 200]
    assert_429(await b.get("/admin/questions?q=x"))
    assert_429(await a.get("/api/v1/questions"), api=True)


async def test_imports_page_and_api_are_limited(as_role, rates) -> None:
    rates(rate_import_per_user="2/hour")
    admin = await as_role("admin")
    # a refused import (no questions: 422) still counts: the limiter writes through its own pool,
    # which the request's rollback never touches (the tests use that production store)
    body = b'{"questions": []}'
    first = await admin.post("/api/v1/imports?dry_run=true&format=json", content=body)
    assert first.status_code != 429
    page = await admin.post(
        "/admin/imports", files={"file": ("a.json", body, "application/json")}, data={"format": "json"}
    )
    assert page.status_code != 429
    assert_429(await admin.post("/api/v1/imports?dry_run=true&format=json", content=body), api=True)
    assert_429(
        await admin.post(
            "/admin/imports", files={"file": ("a.json", body, "application/json")}, data={"format": "json"}
        )
    )


async def test_editor_preview_is_limited(as_role, rates) -> None:
    rates(rate_preview_per_user="2/minute")
    admin = await as_role("admin")
    data = {"kind": "free_text", "prompt": "What is $x$?"}
    headers = {"HX-Request": "true"}
    for _ in range(2):
        assert (await admin.post("/admin/questions/preview", data=data, headers=headers)).status_code != 429
    assert_429(await admin.post("/admin/questions/preview", data=data, headers=headers))


async def test_registration_is_limited_per_ip(client, rates) -> None:
    rates(rate_register_per_ip="3/hour")
    await client.get("/register")
    codes = []
    for i in range(4):
        client.cookies.clear()
        await client.get("/register")
        r = await client.post(
            "/register",
            data={"email": f"n{i}@example.org", "display_name": "N", "password": "a long enough passphrase"},
        )
        codes.append(r.status_code)
    assert codes[:3] == [303, 303, 303]
    assert codes[3] == 429


async def test_the_pool_store_shares_counts_between_processes(make_database) -> None:
    """The production path (psycopg pool, autocommit, one statement), two 'processes' = two pools."""
    url = make_database("mlmock_ratelimit")

    class State:  # what check() reads: the app's resources (app/runtime.py)
        def __init__(self) -> None:
            self.resources = SimpleNamespace(ratelimit=PoolStore(url, max_size=1))

    one, two = State(), State()
    try:
        rate = Rate.parse("3/minute")
        await check(one, [("t:ip:1", rate)], message="x")
        await check(two, [("t:ip:1", rate)], message="x")
        await check(one, [("t:ip:1", rate)], message="x")
        with pytest.raises(ratelimit.TooManyRequests) as refused:
            await check(two, [("t:ip:1", rate)], message="x")
        assert 1 <= refused.value.retry_after <= 120  # at most two windows
        await check(two, [("t:ip:2", rate)], message="x")  # another key is unaffected
    finally:
        await one.resources.ratelimit.close()
        await two.resources.ratelimit.close()


def test_rates_parse_and_reject_nonsense() -> None:
    assert Rate.parse("120/minute") == Rate(120, 60)
    assert Rate.parse("5/15minutes") == Rate(5, 900)
    assert Rate.parse("10 / hour") == Rate(10, 3600)
    with pytest.raises(ValueError):
        Rate.parse("lots")


def test_sliding_window_retry_after() -> None:
    rate = Rate(10, 60)
    # 10 hits last window, 6 this one, 30 s in: 10*0.5+6 = 11 > 10; one more fits once
    # 10*(1-e/60) + 7 <= 10, i.e. at e = 42 s: 12 s from now
    assert ratelimit._retry_after(rate, 6, 10, 30) == pytest.approx(12.0)
    assert ratelimit._retry_after(rate, 11, 0, 30) == pytest.approx(30 + 60 * (1 - 9 / 11))
