"""Route × role matrix, generated from app.routes.

Every route must carry exactly one access marker (public / signed_in / mentor_only /
admin_only); an unclassified route fails here. Each role then gets what the marker says.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, _iter_routes_with_context

from app.auth.dependencies import ACCESS_MARKERS

pytestmark = pytest.mark.anyio
RANK = {"anonymous": 0, "candidate": 1, "mentor": 2, "admin": 3}


@dataclass
class RouteInfo:
    path: str
    methods: set[str]
    dependant: Any


def access_of(route: RouteInfo) -> str:
    found = set()

    def walk(dependant) -> None:  # type: ignore[no-untyped-def]
        if dependant.call in ACCESS_MARKERS:
            found.add(ACCESS_MARKERS[dependant.call])
        for sub in dependant.dependencies:
            walk(sub)

    for dep in route.dependant.dependencies:
        walk(dep)
    # the most restrictive marker wins (admin_only depends on signed_in)
    assert found, f"{sorted(route.methods)} {route.path} has no access marker"
    return max(found, key=RANK.__getitem__)


def api_routes(app) -> list[RouteInfo]:  # type: ignore[no-untyped-def]
    """Every endpoint we wrote, with the dependencies its routers add (FastAPI resolves includes lazily)."""
    out = []
    for original, ctx in _iter_routes_with_context(app.routes):
        if ctx is not None:
            out.append(RouteInfo(ctx.path, set(ctx.methods), ctx.dependant))
        elif isinstance(original, APIRoute):
            out.append(RouteInfo(original.path, set(original.methods), original.dependant))
    return out


async def test_every_route_is_classified(app) -> None:
    assert api_routes(app)
    for route in api_routes(app):
        access_of(route)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


async def test_roles_get_what_the_marker_says(app, client, as_role) -> None:
    clients = {"anonymous": client, **{r: await as_role(r) for r in ("candidate", "mentor", "admin")}}
    await client.get("/login")
    checked = 0
    # /logout ends the session, so it goes last
    for route in sorted(api_routes(app), key=lambda r: r.path == "/logout"):
        need = access_of(route)
        path = _concrete(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            for role, c in clients.items():
                r = await c.request(method, path)
                allowed = RANK[role] >= RANK[need]
                if allowed:
                    # past the access check: success, or a domain answer (404 for a random id, 422 for empty input)
                    assert r.status_code not in (401, 403) or path.endswith(("/register",)), (
                        method,
                        path,
                        role,
                        r.status_code,
                    )
                elif role == "anonymous":
                    # JSON 401 for the API and for the autosaves' URLs, whose clients are scripts
                    # (@script_only); a page is sent to sign in
                    script = path.startswith("/api/") or getattr(route.dependant.call, "json_errors", False)
                    expected = {401} if script else {303}
                    assert r.status_code in expected, (method, path, role, r.status_code)
                    if r.status_code == 303:
                        assert r.headers["location"].startswith("/login")
                else:
                    assert r.status_code == 403, (method, path, role, r.status_code)
                checked += 1
    assert checked > 30
