"""@read_only pages (app/db.py): the request session runs without a transaction in the running
app (autocommit: no BEGIN/COMMIT), records the visit, and refuses any other write.

On a committed database with the production session factory (an engine, not the tests'
rolled-back connection), so autocommit is really in use.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import Depends
from sqlalchemy import delete, func, select, update
from sqlalchemy import inspect as sa_inspect

from app.auth.dependencies import signed_in
from app.auth.models import AuditEvent, User, UserSession
from app.auth.service import resolve_session
from app.config import get_settings
from app.db import READ_DRIVER, DbSession, read_only
from app.kit import clock
from app.kit.ratelimit import RateLimitCounter
from tests.live import LiveDb

pytestmark = pytest.mark.anyio


@pytest.fixture
async def live(make_database):  # type: ignore[no-untyped-def]
    db = LiveDb(make_database("mlmock_read_only"), app_pool_size=2)
    yield db
    await db.close()


async def test_a_read_only_page_answers_and_records_the_visit(live) -> None:  # type: ignore[no-untyped-def]
    admin, _ = await live.users.create(roles=["candidate", "admin"])
    application = live.app()
    c = await live.client(application, admin.email)
    long_ago = clock.now() - timedelta(minutes=5)
    async with live.maker() as s:
        await s.execute(
            update(UserSession).where(UserSession.user_id == admin.id).values(last_seen_at=long_ago)
        )
        await s.commit()
    for path in ("/admin/questions", "/questions", "/admin/questions?q=gradient&page=2"):
        r = await c.get(path, headers={"HX-Request": "true"})
        assert r.status_code == 200, r.text[:300]
        assert 'id="results"' in r.text
    async with live.maker() as s:
        seen = (
            await s.execute(select(UserSession.last_seen_at).where(UserSession.user_id == admin.id))
        ).scalar_one()
    assert seen > long_ago  # the sliding idle timeout was written (and kept) on a read-only page


async def test_a_read_only_page_that_writes_is_refused_and_keeps_nothing(live) -> None:  # type: ignore[no-untyped-def]
    user, _ = await live.users.create()
    application = live.app()

    @application.get("/test/read-only-writes", dependencies=[Depends(signed_in)])
    @read_only
    async def writes(session: DbSession) -> dict[str, str]:
        session.add(AuditEvent(created_at=clock.now(), event="test_read_only", subject="x", detail={}))
        await session.flush()
        return {"status": "written"}

    c = await live.client(application, user.email)
    r = await c.get("/test/read-only-writes")
    assert r.status_code == 500
    async with live.maker() as s:
        count = (
            await s.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "test_read_only")
            )
        ).scalar_one()
    assert count == 0


async def test_a_read_only_page_counts_its_rate_limit_hit_on_its_own_connection(live, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The hit is counted on the page's autocommit connection (app/db.py, AUTOCOMMIT): kept at
    once, refused ones too, and the limit answers 429 with Retry-After as with the store's pool."""
    monkeypatch.setattr(get_settings(), "rate_search_per_user", "3/minute")
    admin, _ = await live.users.create(roles=["candidate", "admin"])
    application = live.app()
    c = await live.client(application, admin.email)
    codes = [(await c.get("/admin/questions", headers={"HX-Request": "true"})).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = await c.get("/admin/questions?q=loss")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-security-policy"] and r.headers["x-frame-options"] == "DENY"
    async with live.maker() as s:
        hits = (
            await s.execute(
                select(RateLimitCounter.hits).where(RateLimitCounter.key == f"search:u:{admin.id}")
            )
        ).scalar_one()
        await s.execute(delete(RateLimitCounter))
        await s.commit()
    assert hits == 6  # every request counted, the refused ones too, and kept (autocommit)


async def test_a_read_only_page_reads_the_user_each_request(live) -> None:  # type: ignore[no-untyped-def]
    """A @read_only page builds the signed-in user from plain columns (app/auth/service.py): the
    page shows that user, and a revoked session or a deactivated user is refused at once."""
    admin, _ = await live.users.create(roles=["candidate", "admin"], name="Ada Readonly")
    application = live.app()
    c = await live.client(application, admin.email)
    r = await c.get("/admin/questions")
    assert r.status_code == 200 and "Ada Readonly" in r.text
    async with live.maker() as s:
        await s.execute(update(User).where(User.id == admin.id).values(is_active=False))
        await s.commit()
    r = await c.get("/admin/questions")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    other, _ = await live.users.create(roles=["candidate", "admin"])
    c2 = await live.client(application, other.email)
    assert (await c2.get("/admin/questions")).status_code == 200
    async with live.maker() as s:
        await s.execute(delete(UserSession).where(UserSession.user_id == other.id))
        await s.commit()
    r = await c2.get("/admin/questions")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_the_read_only_lookup_builds_the_user_the_orm_loads(live) -> None:  # type: ignore[no-untyped-def]
    """A @read_only page looks the session up in plain columns on psycopg (app/auth/service.py,
    READ_DRIVER): the same user as the ORM's lookup of every other request, value and type."""
    admin, _ = await live.users.create(roles=["candidate", "admin"], name="Ada Columns")
    c = await live.client(live.app(), admin.email)
    raw = c.cookies[get_settings().session_cookie]
    async with live.maker() as s:
        orm = await resolve_session(s, raw)
    async with live.maker() as s:
        conn = await s.connection()
        s.info[READ_DRIVER] = (await conn.get_raw_connection()).driver_connection
        lean = await resolve_session(s, raw)
    assert orm is not None and lean is not None and lean.session_id == orm.session_id
    for attr in sa_inspect(User).column_attrs:
        ours, theirs = getattr(lean.user, attr.key), getattr(orm.user, attr.key)
        assert (ours, type(ours)) == (theirs, type(theirs)), attr.key


async def test_the_pool_gets_the_connection_back_out_of_autocommit(make_database) -> None:  # type: ignore[no-untyped-def]
    """A @read_only page switches its connection to autocommit on psycopg itself (app/db.py): the
    pool must get it back in transactions, or a later request's writes would each commit alone."""
    live = LiveDb(make_database("mlmock_read_only_pool"), app_pool_size=1)
    try:
        admin, _ = await live.users.create(roles=["candidate", "admin"])
        application = live.app()
        c = await live.client(application, admin.email)
        for path in ("/admin/questions", "/admin/questions?page=99", "/admin/questions?per_page=0"):
            await c.get(path, headers={"HX-Request": "true"})  # served, past the end, refused (422)
            async with application.state.resources.engine.connect() as conn:  # the pool's one connection
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver.autocommit is False, path
    finally:
        await live.close()
