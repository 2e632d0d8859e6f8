"""Home page and health probes."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from app.auth.credentials import Credentials
from app.auth.dependencies import load_identity, probe, public, signed_in_lean
from app.config import get_settings
from app.db import SessionRoute
from app.web.templating import render

router = APIRouter(route_class=SessionRoute)


@router.get("/", dependencies=[Depends(public)])
async def home(request: Request) -> Response:
    return render(request, "home.html", {})


@router.get("/healthz", dependencies=[Depends(probe)])
async def healthz() -> dict[str, str]:
    """The process is alive (no database)."""
    return {"status": "ok"}


@router.get("/csrf-token", dependencies=[Depends(signed_in_lean)])
async def csrf_token(request: Request, _: Annotated[Credentials, Depends(signed_in_lean)]) -> dict[str, str]:
    """The CSRF token of the session cookie this request carries (no database): a page whose
    session was replaced (signed in again in another tab) picks up the new token and goes on."""
    return {"csrf_token": request.state.csrf_token}


@router.get("/readyz", dependencies=[Depends(probe)])
async def readyz(request: Request) -> Response:
    """Every pool the app uses answers within 2 s (the engine for pages, the autosave pool) and
    the schema is at the migrations' head."""
    from app.migrate import head_revision  # local: alembic is only loaded when probed

    try:
        async with asyncio.timeout(2):
            async with request.app.state.resources.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            await request.app.state.resources.autosave.ready()
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "error": type(exc).__name__},
            status_code=503,
            headers={"Retry-After": str(get_settings().retry_after_seconds)},
        )
    head = head_revision()
    # The schema revision tells an attacker which release runs: admins only. (The probe marker
    # resolves nobody, so a probe never waits on the database for who is asking; the caller is
    # looked up here, after the database answered.)
    details = await _is_admin(request)
    if current != head:
        body = {"status": "migrations pending"} | ({"current": current, "head": head} if details else {})
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready"} | ({"revision": current} if details else {}))


async def _is_admin(request: Request) -> bool:
    if not (request.cookies or request.headers.get("authorization")):
        return False
    try:
        async with asyncio.timeout(2), request.app.state.resources.sessionmaker() as session:
            identity = await load_identity(request, session)
            await session.commit()  # (a sliding session timeout may have been touched)
    except Exception:
        return False
    return identity is not None and identity.user.is_admin
