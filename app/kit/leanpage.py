"""Lean read-only pages: a @read_only GET route's dependencies solved by a plan compiled once,
and a dispatch that serves the paths of those routes without the router.

Per request, FastAPI's generic solver walks the dependency tree again (cache keys, callable
classification, parameter extraction by alias) and its router tries every route; for the
question-bank lists that was ~20,000 of 135,000 Python bytecodes (`python -m bench.opcount`).

`compile_route(route)` turns the route's dependant into a flat list of calls in the order
FastAPI makes them (sub-dependencies first, in declaration order, each call once per request,
as FastAPI's per-request cache does), with the one shape these pages have: dependencies that
take the Request and other dependencies, async functions or async generators of "function"
scope (the request session), and an endpoint whose query parameters are one pydantic model.
Anything else is not compiled and FastAPI serves the route as before (`tests/web/
test_lean_pages.py` checks that every @read_only route compiles). The plan calls the very same
functions — access markers, sign-in check, rate limit, session — so every check stays.

A request whose query does not validate, or an app with dependency overrides (tests), goes the
FastAPI way, which answers the 422 after the dependencies exactly as before.

`LeanPages` (pure ASGI, inside SecurityMiddleware and MetricsMiddleware: headers, CSP,
request id, access log, metrics and the refusal audit all apply) remembers, for an exact path,
the route the router chose the first time a GET for it arrived, and serves later GETs of that
path with the route's plan directly: scope["route"], ["endpoint"], ["path_params"], ["router"]
as the router leaves them; exceptions go to the app's exception handlers as the router's
exception middleware would send them.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
from fastapi._compat import field_annotation_is_sequence, get_cached_model_fields
from fastapi.dependencies.models import Dependant, _get_cache_key
from fastapi.dependencies.utils import _get_param_aliases, _get_param_model, _is_json_field
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

REQUEST, PARAMS = 0, 1  # argument sources besides an earlier step's value (step k's is k + 2)
INVALID = object()  # the query did not validate: FastAPI answers (its 422, after the dependencies)
PAGES = "mlmock.lean_pages"  # scope key: LeanPages' table, for the route handler to fill
STATUS = "mlmock.response_status"  # scope key: the status that decides the commit (app/db.py)
READ_ONLY = "mlmock_read_only"  # a @read_only endpoint's attribute (app/db.py)


class Unsupported(Exception):
    """The dependant has a shape the plan does not handle: FastAPI serves the route."""


class _Shielded:
    """An async generator dependency's exit, shielded from cancellation as FastAPI shields it."""

    __slots__ = ("cm",)

    def __init__(self, cm: Any) -> None:
        self.cm = cm

    async def __aenter__(self) -> Any:
        return await self.cm.__aenter__()

    async def __aexit__(self, *exc: Any) -> Any:
        with anyio.CancelScope(shield=True):
            return await self.cm.__aexit__(*exc)


class LeanRoute:
    """A compiled route: `params(request)` then `run(request, params)`."""

    def __init__(self, route: APIRoute) -> None:
        self.route = route
        self.steps: list[tuple[Callable[..., Any], bool, tuple[tuple[str, int], ...]]] = []
        self.fields: dict[str, bool] = {}  # the query model's field → whether it takes every value
        self.model_field: Any = None
        index: dict[Any, int] = {}
        endpoint = route.dependant.call
        if endpoint is None or not inspect.iscoroutinefunction(endpoint):
            raise Unsupported("the endpoint is not an async function")
        self.steps.append((endpoint, False, self._arguments(route.dependant, index, endpoint=True)))

    def _check(self, dep: Dependant, *, endpoint: bool) -> None:
        if (
            dep.path_params
            or dep.header_params
            or dep.cookie_params
            or dep.body_params
            or (dep.query_params and not endpoint)
            or dep.websocket_param_name
            or dep.http_connection_param_name
            or dep.response_param_name
            or dep.background_tasks_param_name
            or dep.security_scopes_param_name
            or dep.own_oauth_scopes
            or dep.concurrency is not None
            or not dep.use_cache
        ):
            raise Unsupported(f"{dep.call!r}: parameters the plan does not solve")

    def _arguments(
        self, dep: Dependant, index: dict[Any, int], *, endpoint: bool
    ) -> tuple[tuple[str, int], ...]:
        self._check(dep, endpoint=endpoint)
        args: list[tuple[str, int]] = []
        for sub in dep.dependencies:
            at = self._visit(sub, index)
            if sub.name is not None:
                args.append((sub.name, at))
        if dep.request_param_name:
            args.append((dep.request_param_name, REQUEST))
        if dep.query_params:
            if len(dep.query_params) != 1:
                raise Unsupported("more than one query parameter")
            field = dep.query_params[0]
            model = _get_param_model(field)
            if model is None or model.model_config.get("extra", "ignore") != "ignore":
                raise Unsupported("a query parameter that is not one model ignoring extra keys")
            for sub_field in get_cached_model_fields(model):
                name = sub_field.name
                if _get_param_aliases(sub_field, convert_underscores=False) != [(name, name)]:
                    raise Unsupported("a query model field with an alias")
                sequence = not _is_json_field(sub_field) and field_annotation_is_sequence(
                    sub_field.field_info.annotation
                )
                self.fields[name] = sequence
            self.model_field = field
            args.append((field.name, PARAMS))
        return tuple(args)

    def _visit(self, dep: Dependant, index: dict[Any, int]) -> int:
        args = self._arguments(dep, index, endpoint=False)
        key = _get_cache_key(dependant=dep)
        if key in index:
            return index[key]
        call = dep.call
        if call is None:
            raise Unsupported("a dependency without a callable")
        if inspect.isasyncgenfunction(call):
            if dep.scope != "function":
                raise Unsupported(f"{call!r}: a generator dependency of request scope")
            self.steps.append((asynccontextmanager(call), True, args))
        elif inspect.iscoroutinefunction(call):
            self.steps.append((call, False, args))
        else:
            raise Unsupported(f"{call!r}: not an async function (FastAPI runs it in a thread)")
        index[key] = len(self.steps) + 1  # its value's place: after the request and the params
        return index[key]

    def overridden(self) -> bool:
        provider = self.route.dependency_overrides_provider
        return bool(provider is not None and getattr(provider, "dependency_overrides", None))

    def params(self, request: Request) -> Any:
        """The endpoint's query model from the query string, as FastAPI extracts it; INVALID
        when it does not validate."""
        if self.model_field is None:
            return None
        # one pass: the last value of a field (QueryParams.get), every value of a list field
        # (getlist); keys that are no field are left out (the model ignores extra keys)
        fields = self.fields
        values: dict[str, Any] = {}
        for name, value in request.query_params.multi_items():
            sequence = fields.get(name)
            if sequence is None:
                continue
            if sequence:
                values.setdefault(name, []).append(value)
            else:
                values[name] = value
        value, errors = self.model_field.validate(values, {}, loc=("query",))
        return INVALID if errors else value

    async def run(self, request: Request, params: Any) -> Response:
        """The dependencies and the endpoint; generator dependencies exit before the response is
        sent (their "function" scope), after the status that decides the commit is noted."""
        values: list[Any] = [request, params]  # then each step's value, in order
        async with AsyncExitStack() as stack:
            for call, generator, args in self.steps:
                kwargs = {name: values[at] for name, at in args}
                if generator:
                    values.append(await stack.enter_async_context(_Shielded(call(**kwargs))))
                else:
                    values.append(await call(**kwargs))
            response = values[-1]
            if not isinstance(response, Response):
                raise TypeError(f"{self.route.path}: a lean page's endpoint must return a Response")
            request.scope[STATUS] = response.status_code
        return response


def compile_route(route: APIRoute) -> LeanRoute | None:
    """The plan of a @read_only GET route without path parameters, or None."""
    if not getattr(route.endpoint, READ_ONLY, False) or route.methods != {"GET"} or "{" in route.path:
        return None
    if route.response_model is not None:
        return None
    try:
        return LeanRoute(route)
    except Unsupported:
        return None


def remember(scope: Scope, lean: LeanRoute) -> None:
    """Called by the route's handler: the router chose this route for this exact path."""
    pages: dict[str, tuple[LeanRoute, dict[str, Any]]] | None = scope.get(PAGES)
    if pages is not None and scope["method"] == "GET" and not scope.get("root_path"):
        keys = ("route", "endpoint", "router")
        pages[scope["path"]] = (lean, {k: scope[k] for k in keys if k in scope})


Handler = Callable[[Request, Exception], Awaitable[Response]]


def handler_for(app: Any, exc: Exception) -> Handler | None:
    """The app's exception handler for `exc`, as Starlette's exception middleware looks it up."""
    handlers: dict[Any, Handler] = app.exception_handlers
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


class LeanPages:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pages: dict[str, tuple[LeanRoute, dict[str, Any]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page = (
            self.pages.get(scope["path"]) if scope["method"] == "GET" and not scope.get("root_path") else None
        )
        if page is None:
            scope[PAGES] = self.pages
            await self.app(scope, receive, send)
            return
        lean, matched = page
        request = Request(scope, receive, send)
        params = INVALID if lean.overridden() else lean.params(request)
        if params is INVALID:
            await self.app(scope, receive, send)
            return
        scope.update(matched)
        scope["path_params"] = {}
        try:
            response = await lean.run(request, params)
        except Exception as exc:
            handler = handler_for(scope["app"], exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)
