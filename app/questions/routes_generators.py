"""The generator workshop (admins): the catalogue of parametrised-question generators, and one
generator with author-chosen parameter ranges, "rolled" to preview several seeds side by side."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import admin_only
from app.db import SessionRoute
from app.errors import NotFound
from app.questions import generators
from app.questions.generators.base import Generator, RangeError
from app.questions.generators.rendered import Rendered, render
from app.web.templating import render as render_page

router = APIRouter(route_class=SessionRoute, prefix="/admin/generators", dependencies=[Depends(admin_only)])
ROLLS = 3


def ranges_from_query(gen: Generator, query: Any) -> tuple[dict[str, list[float | str]], dict[str, str]]:
    """`lo-<param>` / `hi-<param>` fields → ranges (defaults where absent) and errors by parameter."""
    ranges: dict[str, list[float | str]] = {}
    errors: dict[str, str] = {}
    for p in gen.params:
        lo, hi = query.get(f"lo-{p.name}"), query.get(f"hi-{p.name}")
        if lo is None and hi is None:
            continue
        try:
            ranges[p.name] = [
                float(lo if lo not in (None, "") else p.low),
                float(hi if hi not in (None, "") else p.high),
            ]
        except ValueError:
            ranges[p.name] = [str(lo), str(hi)]
            errors[p.name] = "give two numbers, low and high"
    if not errors:
        try:
            gen.check_ranges(ranges)
        except RangeError as exc:
            errors.update(exc.problems)
    return ranges, errors


def roll(gen: Generator, ranges: dict[str, Any], seeds: list[int]) -> list[tuple[int, Rendered]]:
    spec = {"generator": gen.name, "version": gen.version, "ranges": gen.check_ranges(ranges)}
    return [(s, render(spec, s)) for s in seeds]


@router.get("")
async def catalogue(request: Request) -> Response:
    return render_page(request, "questions/generators.html", {"catalogue": generators.catalogue()})


@router.get("/{name}")
async def workshop(request: Request, name: str) -> Response:
    gen = generators.get(name)
    if gen is None:
        raise NotFound("No such generator.")
    ranges, errors = ranges_from_query(gen, request.query_params)
    seeds = [secrets.randbelow(2**31) for _ in range(ROLLS)]
    rolls = [] if errors else roll(gen, ranges, seeds)
    values = {p.name: ranges.get(p.name, [p.low, p.high]) for p in gen.params}
    ctx = {"gen": gen, "values": values, "errors": errors, "rolls": rolls}
    return render_page(
        request, "questions/generator.html", ctx, block="rolls", status_code=422 if errors else 200
    )
