"""The autosave request handler, and its pure-ASGI dispatch (the hot path).

`save()` is the one handler of both save URLs (the page's `/attempts/{a}/items/{i}/answer` and
`/api/v1/…`): in-flight bound, flood guard, parsing, the one-round-trip save, JSON reply; errors
are answered as the error contract's JSON on both URLs whatever the Accept header (every client
is a script; `json_error`, app/web/errors.py), nothing was written.

`AutosaveDispatch` sits inside SecurityMiddleware and MetricsMiddleware (security headers, body
limits, crash handling, the refusal audit and the latency/outcome metrics all apply) and hands
a POST to either URL straight to `credentials` + `save()`, skipping the router's matching over
every route, dependency solving and the exception/exit-stack wrappers (a py-spy profile of the
running server under wrk: ~35 % of the request's time). The FastAPI routes declare the same
URLs (OpenAPI, the access marker `signed_in_lean`, and any request the dispatch does not take,
e.g. a malformed id → 422, another method → 405) and call the same `save()`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.credentials import Credentials
from app.auth.dependencies import signed_in_lean
from app.errors import AppError, Invalid
from app.interviews import service
from app.interviews.autosave_db import AutosaveDb
from app.kit import jsonbody
from app.kit.ratelimit import autosave_guard
from app.questions import kinds
from app.web.errors import json_error, script_only

ANSWER_PATH = re.compile(r"^(/api/v1)?/attempts/([0-9a-fA-F-]{36})/items/([0-9a-fA-F-]{36})/answer$")
PAGE_TEMPLATE = "/attempts/{attempt_id}/items/{item_id}/answer"
API_TEMPLATE = "/api/v1" + PAGE_TEMPLATE


async def _payload(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        data = jsonbody.loads(await request.body())
        if not isinstance(data, dict):
            raise Invalid("Send a JSON object.")
        return data
    form = await request.form()
    lists = kinds.list_answer_fields()  # e.g. choices=0&choices=2
    payload: dict[str, Any] = {k: v for k, v in form.items() if k not in lists}
    payload |= {k: form.getlist(k) for k in lists if k in form}
    return payload


@script_only
async def save(
    request: Request, attempt_id: uuid.UUID, item_id: uuid.UUID, creds: Credentials | None = None
) -> Response:
    """One save of one item's answer (docs/autosave.md). `creds`: already resolved by the route's
    dependency; None from the dispatch, which resolves them here, after the in-flight bound."""
    db: AutosaveDb = request.app.state.resources.autosave
    request.scope.setdefault("endpoint", save)  # the dispatch matched no route: errors as `script_only`'s
    try:
        # Bounded in-flight work per process: over the bound, 503 + Retry-After at once (before
        # sign-in checks, parsing or any database work), so accepted saves keep their latency.
        # (`autosave_shed` refuses before this, more cheaply, by the same rule.)
        db.admit()
    except AppError as exc:
        return json_error(exc)
    try:
        if creds is None:
            creds = await signed_in_lean(request)  # its refusals go to the app's handler, like a route's
        try:
            # Flood guard, in process (app/kit/ratelimit.py): far above a typing candidate's rate.
            autosave_guard(request.app.state, request, creds.session_hash or creds.token_hash)
            answer = service.parse_answer(await _payload(request))
            out = await service.save_answer(db, creds, attempt_id=attempt_id, item_id=item_id, save=answer)
        except AppError as exc:
            return json_error(exc)
    finally:
        db.release()
    return JSONResponse(out.to_json())


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _handler_for(app: Any, exc: Exception) -> Handler | None:
    """The app's exception handler for `exc` (by class, most specific first), as the router would use."""
    handlers: dict[Any, Handler] = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


@dataclass(frozen=True, slots=True)
class MatchedRoute:
    """What the router would leave in scope["route"] for the metrics' route label (its `path`)."""

    path: str


PAGE_ROUTE, API_ROUTE = MatchedRoute(PAGE_TEMPLATE), MatchedRoute(API_TEMPLATE)


def autosave_shed(scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """SecurityMiddleware's early answer (app/web/security.py): a save over the admission limit
    (`AutosaveDb.has_room`) is answered `save()`'s 503 busy (`AutosaveDb.busy_reply`) before its
    body is read or scanned, a Request built or the client's address resolved; the security
    headers and the request id are still added, and MetricsMiddleware (outside) still counts and
    times it. A saturated process thus spends its time on the saves it admitted. Anything else:
    None (go on). A save let through here may still be refused by `admit()` in `save()` if the
    room is gone by then: the same 503."""
    if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith("/answer"):
        return None
    db: AutosaveDb | None = getattr(getattr(scope["app"].state, "resources", None), "autosave", None)
    if db is None or db.has_room():
        return None
    match = ANSWER_PATH.match(scope["path"])
    if match is None:
        return None
    db.refused += 1
    scope["route"] = API_ROUTE if match.group(1) else PAGE_ROUTE  # the metrics' label
    headers, body = db.busy_reply()
    return 503, list(headers), body


class AutosaveDispatch:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].endswith("/answer"):
            match = ANSWER_PATH.match(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        try:
            attempt_id, item_id = uuid.UUID(match.group(2)), uuid.UUID(match.group(3))
        except ValueError:
            await self.app(scope, receive, send)  # the router answers 422, as for any bad id
            return
        scope["route"] = API_ROUTE if match.group(1) else PAGE_ROUTE
        request = Request(scope, receive)
        try:
            response = await save(request, attempt_id, item_id)
        except Exception as exc:  # what the router's exception middleware would do: the app's handlers
            handler = _handler_for(scope["app"], exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)
