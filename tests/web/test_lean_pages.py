"""Lean read-only pages (app/kit/leanpage.py): the @read_only list pages run their dependencies by a
plan compiled once, and a GET of a path seen once skips the router; every answer is the one
FastAPI's own solver gives (the same checks: sign-in, access marker, rate limit, query validation)."""

from __future__ import annotations

from typing import Any

import fastapi.routing
import pytest
from fastapi.routing import _iter_routes_with_context

from app.config import get_settings
from app.db import _READ_ONLY
from app.kit.leanpage import compile_route

pytestmark = pytest.mark.anyio
PAGES = ("/questions", "/admin/questions")


def _read_only_routes(app) -> list[Any]:  # type: ignore[no-untyped-def]
    out = []
    for original, ctx in _iter_routes_with_context(app.routes):
        route = ctx if ctx is not None else original
        if getattr(getattr(route, "endpoint", None), _READ_ONLY, False):
            out.append(route)
    return out


async def test_every_read_only_page_has_a_plan(app) -> None:  # type: ignore[no-untyped-def]
    routes = _read_only_routes(app)
    assert {r.path for r in routes} >= set(PAGES)
    for route in routes:
        assert compile_route(route) is not None, f"{route.path}: FastAPI's solver serves it (see leanpage.py)"


async def test_list_pages_skip_the_generic_solver_and_the_router(as_role, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Failed on main: every GET of the lists solved its dependencies with FastAPI's solver."""
    solved: list[str] = []
    routed: list[str] = []
    solve = fastapi.routing.solve_dependencies
    handle = fastapi.routing._IncludedRouter.handle

    async def counting_solve(**kw: Any) -> Any:
        solved.append(kw["request"].url.path)
        return await solve(**kw)

    async def counting_handle(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        routed.append(scope["path"])
        await handle(self, scope, receive, send)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting_solve)
    monkeypatch.setattr(fastapi.routing._IncludedRouter, "handle", counting_handle)
    c = await as_role("admin")
    for path in PAGES:
        for page in (1, 2, 3):
            r = await c.get(f"{path}?page={page}", headers={"HX-Request": "true"})
            assert r.status_code == 200 and 'id="results"' in r.text
    assert [p for p in solved if p in PAGES] == []  # (signing in went through the solver)
    assert all(routed.count(p) <= 1 for p in PAGES), routed  # only the first GET of a path is routed


CASES = [
    ("anonymous", "/questions", {}),
    ("anonymous", "/admin/questions", {"HX-Request": "true"}),
    ("candidate", "/admin/questions", {}),
    ("candidate", "/questions", {}),
    ("candidate", "/questions?q=gradient&sort=title&page=1", {"HX-Request": "true"}),
    ("candidate", "/questions?difficulty=&kind=&tag=a&tag=b&extra=1", {"HX-Request": "true"}),
    ("candidate", "/questions?page=0", {}),
    ("candidate", "/questions?difficulty=abc", {"HX-Request": "true"}),
    ("candidate", "/questions?q=" + "x" * 201, {}),
    ("admin", "/admin/questions?status=draft&per_page=5&page=2", {"HX-Request": "true"}),
    ("admin", "/admin/questions?sort=nope", {}),
    ("admin", "/admin/questions", {}),
]


def _answer(r) -> tuple[int, str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    headers = sorted((k, v) for k, v in r.headers.items() if k not in ("x-request-id", "content-length"))
    return r.status_code, r.text, headers


async def test_the_lean_answers_are_fastapis(app, as_role, make_client) -> None:  # type: ignore[no-untyped-def]
    """Each case answered twice by the lean path (the second GET of a path skips the router), then
    by FastAPI's solver (any dependency override sends a request there): the same answer."""
    clients = {"anonymous": await make_client()}
    await clients["anonymous"].get("/login")  # its CSRF cookie, set once (a random value)
    for role in ("candidate", "admin"):
        clients[role] = await as_role(role)
    lean = [[_answer(await clients[who].get(url, headers=h)) for _ in range(2)] for who, url, h in CASES]
    app.dependency_overrides[_never_used] = _never_used
    try:
        generic = [_answer(await clients[who].get(url, headers=h)) for who, url, h in CASES]
    finally:
        app.dependency_overrides.clear()
    for (who, url, _), (first, second), expected in zip(CASES, lean, generic, strict=True):
        assert first == expected, (who, url)
        assert second == expected, (who, url)
    assert {s for s, _, _ in generic} >= {200, 303, 403, 422}


def _never_used() -> None:
    """A dependency override for a function no route uses: FastAPI's solver serves every route."""


async def test_rate_limit_and_refusal_audit_on_the_lean_path(as_role, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "rate_search_per_user", "3/minute")
    c = await as_role("candidate")
    codes = [(await c.get("/questions", headers={"HX-Request": "true"})).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = await c.get("/questions?q=loss")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-security-policy"] and r.headers["x-frame-options"] == "DENY"
