"""One place that turns errors into responses: JSON under /api, a fragment for htmx, a page otherwise."""

from __future__ import annotations

import logging
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
from app.web.templating import is_htmx, redirect, render

log = logging.getLogger(__name__)

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


def is_api(request: Request) -> bool:
    """JSON errors: the /api routes, and a page's script asking for JSON (fetch, not htmx)."""
    if request.url.path.startswith("/api/"):
        return True
    return "application/json" in request.headers.get("accept", "") and not is_htmx(request)


def error_response(
    request: Request,
    status: int,
    message: str,
    fields: dict[str, str] | None = None,
    *,
    reason: str | None = None,
    exc: AppError | None = None,
) -> Response:
    headers = exc.headers() if exc is not None else {}
    if is_api(request):
        body: dict[str, object] = exc.to_json() if exc is not None else {"error": message}
        if reason:
            body["reason"] = reason
        if fields:
            body["fields"] = fields
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401 and not is_htmx(request):
        return redirect(request, f"/login?next={quote(request.url.path)}")
    if status == 401:
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    ctx = {"status": status, "title": TITLES.get(status, "Error"), "message": message, "fields": fields or {}}
    # htmx: the error block alone (it is swapped into the toast area by the page's hx-status rules)
    response = render(request, "errors/error.html", ctx, block="error", status_code=status)
    response.headers.update(headers)
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        request.state.refusal_reason = exc.reason  # for the audit of 403s/429s (app.auth.refusals)
        # reason, extra JSON and Retry-After (429, 503) come from the error itself
        return error_response(request, exc.status, exc.message, exc.fields, exc=exc)

    # A value Postgres refuses (an integer out of its column's range, a NUL byte, text that is
    # not a number) is bad input, whatever route it came through: one place, not per route.
    @app.exception_handler(DataError)
    @app.exception_handler(psycopg.DataError)
    async def data_error(request: Request, exc: Exception) -> Response:
        log.info("input refused by the database: %s", type(getattr(exc, "orig", exc)).__name__)
        return error_response(
            request,
            422,
            "A value is out of range or contains characters that are not allowed.",
            reason="invalid",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in exc.errors()}
        return error_response(request, 422, "Some fields are missing or invalid.", fields)

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
        return error_response(request, error.status, error.message, exc=error)

    # Last resort only: SecurityMiddleware calls crash_response itself (see there).
    app.add_exception_handler(Exception, crash_response)

    _ = NotAuthenticated  # re-exported for handlers that special-case 401


async def crash_response(request: Request, exc: Exception) -> Response:
    """The 500 for an unhandled exception: logged with its traceback, never shown to the client."""
    log.error("unhandled error", exc_info=exc)
    message = "An unexpected error happened. It has been logged."
    try:
        return error_response(request, 500, message)
    except Exception:  # the error page itself failed (templates, state): plain text then
        log.exception("error page failed")
        return Response(message, status_code=500, media_type="text/plain")
