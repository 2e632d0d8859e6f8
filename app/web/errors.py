"""One place that turns errors into responses: JSON under /api, a fragment for htmx, a page otherwise."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.config import get_settings
from app.errors import AppError, NotAuthenticated, Unavailable
from app.web.templating import VARY, is_htmx, redirect, render, render_block, wants_fragment

log = logging.getLogger(__name__)
ERROR_VARY = f"Accept, {VARY}"  # JSON or HTML is chosen by Accept too

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Please check your input",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


E = TypeVar("E", bound=Callable[..., Any])


def script_only(endpoint: E) -> E:
    """Marks a route whose every client is a page's script (an autosave's fetch or beacon): its
    errors, the access checks' included (CSRF, sign-in), are JSON unless HTML is asked for by name."""
    endpoint.json_errors = True  # type: ignore[attr-defined]
    return endpoint


def wants_json(path: str, accept: str, content_type: str, htmx: bool, *, script_only: bool = False) -> bool:
    """The error contract's choice of JSON: the /api routes; htmx never; `Accept:
    application/json`; otherwise, unless the request asks for HTML by name, a JSON body (only a
    script sends one: forms and htmx send form bodies) or a `script_only` route. The security
    middleware decides by the same rule before any route ran."""
    if path.startswith("/api/"):
        return True
    if htmx:
        return False
    if "application/json" in accept:
        return True
    if "text/html" in accept:
        return False
    return script_only or content_type.split(";", 1)[0].strip().lower() == "application/json"


def is_api(request: Request) -> bool:
    """JSON errors: see `wants_json`."""
    headers = request.headers
    return wants_json(
        request.url.path,
        headers.get("accept", ""),
        headers.get("content-type", ""),
        is_htmx(request),
        script_only=getattr(request.scope.get("endpoint"), "json_errors", False),
    )


def error_response(request: Request, exc: AppError) -> Response:
    """The one rendering of an error. JSON (`AppError.to_json`: error, reason, fields…) under /api
    or for `Accept: application/json`; for an htmx partial request the message in the page's
    toast area (HX-Retarget, and an out-of-band swap so that a form's own `hx-status` target
    cannot put it elsewhere); a full page otherwise. A 401 sends the browser to the sign-in page."""
    headers = {**exc.headers(), "Vary": ERROR_VARY}
    if is_api(request):
        return json_error(exc)
    if exc.status == 401:
        if is_htmx(request):
            return Response(status_code=401, headers={**headers, "HX-Redirect": "/login"})
        return redirect(request, f"/login?next={quote(request.url.path)}")
    title = TITLES.get(exc.status, "Error")
    ctx = {"status": exc.status, "title": title, "message": exc.message, "fields": exc.fields}
    if wants_fragment(request):
        headers |= {"HX-Retarget": "#toasts", "HX-Reswap": "outerHTML"}
        response = render_block(request, "errors/toast.html", None, ctx, status_code=exc.status)
    else:
        response = render(request, "errors/error.html", ctx, block=None, status_code=exc.status)
    response.headers.update(headers)
    return response


def json_error(exc: AppError) -> JSONResponse:
    """The contract's JSON answer to `exc`. error_response uses it; so does an endpoint whose
    clients are scripts on every path it serves (the autosave), instead of building a body."""
    return JSONResponse(exc.to_json(), status_code=exc.status, headers={**exc.headers(), "Vary": ERROR_VARY})


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        request.state.refusal_reason = exc.reason  # for the audit of 403s/429s (app.auth.refusals)
        # reason, extra JSON and Retry-After (429, 503) come from the error itself
        return error_response(request, exc)

    # A value Postgres refuses (an integer out of its column's range, a NUL byte, text that is
    # not a number) is bad input, whatever route it came through: one place, not per route.
    @app.exception_handler(DataError)
    @app.exception_handler(psycopg.DataError)
    async def data_error(request: Request, exc: Exception) -> Response:
        log.info("input refused by the database: %s", type(getattr(exc, "orig", exc)).__name__)
        message = "A value is out of range or contains characters that are not allowed."
        return error_response(request, AppError(message, status=422))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        response = error_response(request, AppError(message, status=exc.status_code))
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in exc.errors()}
        return error_response(
            request, AppError("Some fields are missing or invalid.", status=422, fields=fields)
        )

    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(sqlalchemy.exc.OperationalError)
    @app.exception_handler(sqlalchemy.exc.TimeoutError)
    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # Down (connection refused/broken), locked (lock_timeout), saturated (pool wait,
        # statement_timeout): the one place these become 503 + Retry-After, never a 500 or a hang.
        log.warning("database unavailable: %s", type(getattr(exc, "orig", exc)).__name__)
        error = Unavailable(
            "The service is busy or briefly unavailable. Nothing was changed; please try again in a moment."
        )
        error.retry_after = get_settings().retry_after_seconds
        return error_response(request, error)

    # Last resort only: SecurityMiddleware calls crash_response itself (see there).
    app.add_exception_handler(Exception, crash_response)

    _ = NotAuthenticated  # re-exported for handlers that special-case 401


async def crash_response(request: Request, exc: Exception) -> Response:
    """The 500 for an unhandled exception: logged with its traceback, never shown to the client."""
    log.error("unhandled error", exc_info=exc)
    message = "An unexpected error happened. It has been logged."
    try:
        return error_response(request, AppError(message, status=500))
    except Exception:  # the error page itself failed (templates, state): plain text then
        log.exception("error page failed")
        return Response(message, status_code=500, media_type="text/plain")
