"""Home page and health probes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from app.auth.dependencies import public
from app.web.templating import render

router = APIRouter()


@router.get("/", dependencies=[Depends(public)])
async def home(request: Request) -> Response:
    return render(request, "home.html", {})


@router.get("/healthz", dependencies=[Depends(public)])
async def healthz() -> dict[str, str]:
    """The process is alive (no database)."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[Depends(public)])
async def readyz(request: Request) -> Response:
    """The database answers within 2 s and its schema is at the migrations' head."""
    from app.migrate import head_revision  # local: alembic is only loaded when probed

    try:
        async with asyncio.timeout(2):
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, status_code=503)
    head = head_revision()
    # The schema revision tells an attacker which release runs: admins only.
    user = getattr(request.state, "user", None)
    details = user is not None and user.is_admin
    if current != head:
        body = {"status": "migrations pending"} | ({"current": current, "head": head} if details else {})
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready"} | ({"revision": current} if details else {}))
