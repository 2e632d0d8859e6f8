"""The bare baseline for the question-list benchmark: a minimal Starlette app that runs the
same SQL (app.questions.repository.list_query, same driver and pool) and renders the same
rows with the same Jinja block (`results` of templates/questions/bank.html, through
jinja2-fragments, as the app's htmx fragment). No session, no middleware, no framework
dependency injection.

    BENCH_DATABASE_URL=... uvicorn bench.questions_baseline:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from app.config import ROOT
from app.db import make_engine
from app.questions.repository import Page, list_query
from app.questions.schemas import ListParams
from app.web.templating import _fmt_dt

env = Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=select_autoescape())
env.filters["dt"] = _fmt_dt


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    yield
    await app.state.engine.dispose()


async def questions(request: Request) -> HTMLResponse:
    params = ListParams(
        page=int(request.query_params.get("page", "1")),
        per_page=int(request.query_params.get("per_page", "50")),
    )
    async with request.app.state.engine.connect() as conn:
        stmt, values = list_query(params, published_only=False)  # the app's statement and values
        rows = list((await conn.execute(stmt, values)).all())
    page = Page(rows, int(rows[0].total) if rows else 0, params.page, params.per_page)
    return HTMLResponse(render_block(env, "questions/bank.html", "results", page=page, params=params))


app = Starlette(routes=[Route("/questions", questions)], lifespan=lifespan)
