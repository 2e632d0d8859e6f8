"""A started app builds no route while it serves (issue 12).

FastAPI builds an included router's routes (each one's dependency graph and its parameter and body
validators) lazily: all of them on the first request that walks through that router, on the event
loop. The first import through the API after a start spent ~0.7 s on a loaded machine there, and
every candidate's autosave waited behind it. The lifespan builds them before the first request.
"""

from __future__ import annotations

from typing import Any

import fastapi.routing
import httpx
import pytest

from app.config import get_settings
from app.main import create_app

pytestmark = pytest.mark.anyio

PATHS = ["/healthz", "/api/v1/imports", "/api/v1/exports", "/admin/import", "/login", "/no-such-page"]


@pytest.mark.slow  # the app's lifespan: it builds every route's dependency graph and resources
async def test_serving_after_the_lifespan_builds_no_route(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = create_app(get_settings(), database_url=database_url, background=False)
    async with application.router.lifespan_context(application):
        built: list[str] = []
        real = fastapi.routing.get_dependant

        def counted(*args: Any, **kwargs: Any) -> Any:
            built.append(str(kwargs.get("path")))
            return real(*args, **kwargs)

        monkeypatch.setattr(fastapi.routing, "get_dependant", counted)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            statuses = [(await client.get(path)).status_code for path in PATHS]
    assert statuses[0] == 200 and statuses[-1] == 404  # the requests were served
    assert built == [], f"routes built while serving: {len(built)}, e.g. {built[:3]}"
