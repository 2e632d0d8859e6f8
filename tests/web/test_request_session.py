"""The request session commits only what a request answered below 400 (issue 15 item 1).

A route that catches an AppError and re-renders its form with a 422/409 returns normally; the
session must still roll back what the service had flushed before refusing. Records of the
refusal itself that the throttles count (a failed sign-in) are written even so. The refused
forms of the product (tests/questions/test_bad_input.py, tests/interviews/test_formats.py) were
kept clean by savepoints before; they now rely on this rule.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, select

from app.auth.dependencies import public
from app.auth.models import AuditEvent
from app.db import DbSession
from app.errors import Invalid
from app.kit import clock
from app.web.templating import redirect, render

pytestmark = [pytest.mark.anyio, pytest.mark.own_app]  # its tests add routes


async def _count(db, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with db() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


def _add_form_route(app) -> None:  # type: ignore[no-untyped-def]
    """A route shaped like the app's forms: the service flushes a row, then refuses; the route
    catches the error and re-renders the form with the error's status."""

    @app.post("/test/refused-form", dependencies=[Depends(public)])
    async def refused_form(request: Request, session: DbSession, status: int = 422) -> Response:
        try:
            session.add(
                AuditEvent(created_at=clock.now(), event="test_refused_form", subject=str(status), detail={})
            )
            await session.flush()
            raise Invalid("Refused after a flush.", status=status)
        except Invalid as exc:
            ctx = {"status": exc.status, "title": "Refused", "message": exc.message, "fields": {}}
            return render(request, "errors/error.html", ctx, block="error", status_code=exc.status)

    @app.post("/test/streamed", dependencies=[Depends(public)])
    async def streamed(session: DbSession) -> Response:
        session.add(AuditEvent(created_at=clock.now(), event="test_streamed", subject="ok", detail={}))
        await session.flush()

        async def body() -> AsyncIterator[bytes]:
            yield b"first,"
            yield b"second"

        return StreamingResponse(body(), media_type="text/plain")

    @app.post("/test/redirecting-form", dependencies=[Depends(public)])
    async def redirecting_form(request: Request, session: DbSession) -> Response:
        session.add(AuditEvent(created_at=clock.now(), event="test_accepted_form", subject="ok", detail={}))
        await session.flush()
        return redirect(request, "/")


@pytest.mark.parametrize("status", [422, 409])
async def test_a_refused_form_leaves_no_row_behind(app, client, db, status) -> None:
    _add_form_route(app)
    await client.get("/login")  # the CSRF cookie, like a browser
    r = await client.post("/test/refused-form", params={"status": status}, headers={"HX-Request": "true"})
    assert r.status_code == status
    assert await _count(db, AuditEvent, AuditEvent.event == "test_refused_form") == 0


@pytest.mark.parametrize("htmx", [True, False])
async def test_an_accepted_form_commits_with_its_redirect(app, client, db, htmx) -> None:
    _add_form_route(app)
    await client.get("/login")
    headers = {"HX-Request": "true"} if htmx else {}
    r = await client.post("/test/redirecting-form", headers=headers)
    assert r.status_code == (200 if htmx else 303)
    assert (r.headers.get("HX-Redirect") if htmx else r.headers["Location"]) == "/"
    assert await _count(db, AuditEvent, AuditEvent.event == "test_accepted_form") == 1


async def test_a_streamed_answer_commits_before_its_body(app, client, db) -> None:
    _add_form_route(app)
    await client.get("/login")
    r = await client.post("/test/streamed")
    assert r.status_code == 200 and r.text == "first,second"
    assert await _count(db, AuditEvent, AuditEvent.event == "test_streamed") == 1


async def test_a_failed_sign_in_is_still_recorded(client, users, db) -> None:
    """The 422 rolls the request back, but the failed sign-in counts towards the throttle."""
    user, _ = await users.create(email="someone@example.org")
    await client.get("/login")
    r = await client.post("/login", data={"email": user.email, "password": "not the password", "next": "/"})
    assert r.status_code == 422
    assert await _count(db, AuditEvent, AuditEvent.event == "login_failed") == 1


async def test_every_route_decides_its_commit(app) -> None:  # type: ignore[no-untyped-def]
    """Every router is declared with route_class=SessionRoute (else its DbSession refuses to guess)."""
    from fastapi.routing import APIRoute, _iter_routes_with_context

    from app.db import SessionRoute
    from app.routers import ROUTERS

    assert all(router.route_class is SessionRoute for router in ROUTERS)
    routes = [r for r, _ in _iter_routes_with_context(app.routes) if isinstance(r, APIRoute)]
    assert routes and all(isinstance(r, SessionRoute) for r in routes)


async def test_a_refused_import_leaves_its_audit_row_and_nothing_else(as_role, db) -> None:
    """A real import that is refused answers 422 (rolled back) but is audited, as before."""
    from app.questions.models import Question

    admin = await as_role("admin")
    before = await _count(db, Question)
    r = await admin.post(
        "/api/v1/imports?format=gift",
        content=b"::Broken::{ no closing brace\n",
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 422, r.text
    assert await _count(db, Question) == before
    assert await _count(db, AuditEvent, AuditEvent.event == "import_refused") == 1
