"""Page-or-fragment rendering with jinja2-fragments.

One URL serves the full page or a named block: an htmx request for a partial swap gets
the block, a normal navigation (or an htmx history restore) gets the whole page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup

from app.config import get_settings
from app.resources import data_path
from app.web.assets import asset_url

templates = Jinja2Blocks(directory=str(data_path("templates")))
templates.env.globals["asset_url"] = asset_url
templates.env.globals["static_url"] = lambda path: f"/static/{path}"


def _fmt_dt(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["dt"] = _fmt_dt


def _minutes(seconds: float | None) -> str:
    """`60` → "1 minute", `90` → "1.5 minutes", `2700` → "45 minutes"."""
    value = round((seconds or 0) / 60, 1)
    shown = f"{value:g}"
    return f"{shown} minute" if value == 1 else f"{shown} minutes"


templates.env.filters["minutes"] = _minutes


# Form helpers as globals rather than imported macros: a block rendered alone by
# jinja2-fragments does not see the template's top-level imports.
@pass_context
def csrf(ctx: Context) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(ctx.get("csrf_token", ""))


def field_error(errors: dict[str, str], name: str) -> Markup:
    if not errors.get(name):
        return Markup("")
    return Markup('<small id="{0}-error" class="field-error">{1}</small>').format(name, errors[name])


def invalid(errors: dict[str, str], name: str) -> Markup:
    if not errors.get(name):
        return Markup("")
    return Markup(' aria-invalid="true" aria-describedby="{0}-error"').format(name)


templates.env.globals.update(csrf=csrf, field_error=field_error, invalid=invalid)


# What a page's answer depends on besides the URL: the same URL serves the page or a block.
VARY = "HX-Request, HX-Request-Type"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def wants_fragment(request: Request) -> bool:
    """The one page-or-fragment decision: True for an htmx partial swap; a normal navigation,
    an htmx history restore and a full-page target (`HX-Request-Type: full`) get the page."""
    if not is_htmx(request) or request.headers.get("hx-history-restore-request") == "true":
        return False
    return request.headers.get("hx-request-type", "partial") == "partial"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = "content",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render `template`; for an htmx partial request only its `block` (None: always the whole
    template, for a template that is itself a fragment)."""
    return _respond(
        request, template, block if wants_fragment(request) else None, context, status_code, headers
    )


def render_block(
    request: Request,
    template: str,
    block: str | None,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Only `block` of `template`, whatever the request: for endpoints that only htmx calls and
    that have no page of their own (the editor's preview, the error toast)."""
    return _respond(request, template, block, context, status_code, None)


def _respond(
    request: Request,
    template: str,
    block_name: str | None,
    context: dict[str, Any] | None,
    status_code: int,
    headers: dict[str, str] | None,
) -> HTMLResponse:
    ctx = dict(context or {})
    ctx.setdefault("user", getattr(request.state, "user", None))
    ctx.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    ctx.setdefault("settings", get_settings())
    response = templates.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers, block_name=block_name
    )
    response.headers["Vary"] = VARY
    assert isinstance(response, HTMLResponse)
    return response


def redirect(request: Request, url: str, *, status_code: int = 303) -> Response:
    """After a POST: HX-Redirect for htmx, a 303 for a plain form."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return Response(status_code=status_code, headers={"Location": url})
