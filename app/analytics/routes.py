"""Admin analytics pages: questions (item statistics), one question, mentors, formats, topics.

Every table page also answers `?export=csv` with the same rows as CSV.
"""

from __future__ import annotations

import csv
import functools
import io
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import charts, service
from app.analytics.cache import cached, limited
from app.analytics.repository import Filters
from app.auth.dependencies import admin_only
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.interviews.models import InterviewFormat
from app.questions import kinds
from app.questions.models import Topic
from app.web.templating import render

router = APIRouter(route_class=SessionRoute, prefix="/admin/analytics", dependencies=[Depends(admin_only)])

KINDS = kinds.names()
T = TypeVar("T")


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise Invalid("Use a date like 2026-11-29.", fields={name: "not a date"}) from err


class FilterQuery(BaseModel):
    """The filter form's fields as sent (a FastAPI query model); empty means "all"."""

    topic_id: str = Field("", max_length=12)
    tag: str = Field("", max_length=63)
    kind: str = Field("", max_length=20)
    format_id: str = Field("", max_length=36)
    since: str = Field("", max_length=10)
    until: str = Field("", max_length=10)


def _filters(query: Annotated[FilterQuery, Query()]) -> Filters:
    """The filters the query names, checked: an unknown topic, format or kind or a bad date is a 422."""
    try:
        topic = int(query.topic_id) if query.topic_id else None
        fmt = uuid.UUID(query.format_id) if query.format_id else None
    except ValueError as err:
        raise Invalid("Choose a topic and a format from the lists.") from err
    if topic is not None and not 0 < topic < 2**31:
        raise Invalid("Choose a topic from the list.", fields={"topic_id": "unknown topic"})
    if query.kind and query.kind not in KINDS:
        raise Invalid("Choose a kind from the list.", fields={"kind": "unknown kind"})
    return Filters(
        topic_id=topic,
        tag=query.tag.strip().lower() or None,
        kind=query.kind or None,
        format_id=fmt,
        since=_day(query.since, "since"),
        until=_day(query.until, "until"),  # the "until" day is included
    )


AnalyticsFilters = Annotated[Filters, Depends(_filters)]


async def _choices(session: DbSession) -> dict[str, Any]:
    topics = (
        await session.execute(select(Topic).order_by(Topic.parent_id.nulls_first(), Topic.position))
    ).scalars()
    formats = (await session.execute(select(InterviewFormat).order_by(InterviewFormat.title))).scalars()
    return {"topics": list(topics), "formats": list(formats), "kinds": KINDS}


async def _page(
    request: Request, template: str, ctx: dict[str, Any], block: str | None = "results"
) -> Response:
    """Render in a worker thread: a table of hundreds of rows is tens of ms of Jinja, which on the
    event loop would hold up every candidate's autosave."""
    return await anyio.to_thread.run_sync(functools.partial(render, request, template, ctx, block=block))


def _csv_now(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        # a leading = + - @ would be read as a formula by spreadsheets
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="mlmock-{name}.csv"'},
    )


class TablePage:
    """What a table page takes (the request, its session, the filters, `?export=`) and its answer:
    the page `analytics/<name>.html` with the filter form, or with `?export=csv` its rows as CSV."""

    def __init__(
        self, request: Request, session: DbSession, filters: AnalyticsFilters, export: str = ""
    ) -> None:
        self.request, self.session, self.filters, self.export = request, session, filters, export

    async def cached(self, name: str, compute: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await cached(self.request.app, self.session, (name, self.filters), compute)

    async def answer(
        self,
        name: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        /,
        **ctx: Any,
    ) -> Response:
        """The page with `ctx`, or the CSV file: `header`, then the `rows` (read only for the file)."""
        if self.export == "csv":
            return await anyio.to_thread.run_sync(_csv_now, name, header, list(rows))
        ctx.update(filters=self.filters, request_query=self.request.url.query, **await _choices(self.session))
        return await _page(self.request, f"analytics/{name}.html", ctx)


Table = Annotated[TablePage, Depends()]


def _r(x: float | None, digits: int = 3) -> float | str:
    return "" if x is None else round(x, digits)


@router.get("")
async def questions_page(page: Table) -> Response:
    async def compute(s: AsyncSession) -> tuple[list[service.QuestionStat], charts.Chart]:
        rows = await service.question_table(s, page.filters)
        return rows, await anyio.to_thread.run_sync(_item_map, rows)

    rows, chart = await page.cached("questions", compute)
    return await page.answer(
        "questions",
        [
            "question",
            "external_id",
            "topic",
            "kind",
            "used",
            "scored",
            "facility",
            "discrimination",
            "mean_seconds",
            "median_seconds",
            "unanswered_share",
            "mentor_spread",
            "misconceptions",
            "live_attempts",
            "live_hinted",
            "live_hints",
            "flags",
        ],
        (
            [
                q.title,
                q.external_id or "",
                q.topic,
                q.kind,
                q.used,
                q.scored,
                _r(q.facility),
                _r(q.discrimination),
                _r(q.mean_seconds, 1),
                _r(q.median_seconds, 1),
                _r(q.unanswered),
                _r(q.spread),
                "; ".join(f"{c} ×{n}" for c, n in q.misconceptions),
                q.live,
                q.live_hinted,
                q.live_hints,
                "; ".join(q.flags),
            ]
            for q in rows
        ),
        rows=rows,
        chart=chart,
    )


def _item_map(rows: list[service.QuestionStat]) -> charts.Chart:
    points = [
        (q.title, q.facility, q.discrimination, bool(q.flags))
        for q in rows
        if q.facility is not None and q.discrimination is not None
    ]
    return charts.item_map(points)


@router.get("/questions/{question_id}")
async def question_page(
    request: Request, session: DbSession, filters: AnalyticsFilters, question_id: uuid.UUID
) -> Response:
    async def compute(s: AsyncSession) -> tuple[service.QuestionDetail, charts.Chart]:
        detail = await service.question_detail(s, question_id, filters)
        chart = await anyio.to_thread.run_sync(
            functools.partial(charts.bars, "Time on this question", "Seconds", detail.times, unit=" s")
        )
        return detail, chart

    detail, chart = await cached(request.app, session, ("question", question_id, filters), compute)
    return await _page(request, "analytics/question.html", {"q": detail, "chart": chart, "filters": filters})


@router.get("/questions/{question_id}/summary")
async def question_summary(request: Request, session: DbSession, question_id: uuid.UUID) -> Response:
    """The few figures the curation page shows (htmx loads this fragment into it)."""
    one = Filters(question_id=question_id)
    rows = await cached(
        request.app, session, ("summary", question_id), lambda s: service.question_table(s, one)
    )
    return await _page(
        request, "analytics/_summary.html", {"s": rows[0] if rows else None, "qid": question_id}, None
    )


@router.get("/mentors")
async def mentors_page(page: Table) -> Response:
    table = await page.cached("mentors", lambda s: service.mentor_table(s, page.filters))
    return await page.answer(
        "mentors",
        [
            "mentor",
            "reviews",
            "median_turnaround_hours",
            "severity",
            "severity_answers",
            "alpha_ordinal",
            "pairs",
            "helpful_share",
            "ratings",
        ],
        (
            [
                m.name,
                m.reviews,
                _r(m.median_turnaround_hours, 2),
                _r(m.severity),
                m.severity_n,
                _r(m.alpha),
                m.pairs,
                _r(m.helpful),
                m.rated,
            ]
            for m in table.mentors
        ),
        table=table,
    )


@router.get("/formats")
async def formats_page(page: Table) -> Response:
    # live: started and running attempts are not in the summaries (one of the few computations at a time)
    rows = await limited(page.request.app, page.session, lambda s: service.format_table(s, page.filters))
    # a generator: drawn only for the page, in its render thread (one pass: `{% for %}` in formats.html)
    histograms = (
        (f, charts.bars(f"Scores in {f.title}", "Score (%)", f.histogram)) for f in rows if f.started
    )
    return await page.answer(
        "formats",
        [
            "format",
            "expiry_mode",
            "started",
            "submitted",
            "expired",
            "running",
            "not_counted",
            "completion_rate",
            "expiry_rate",
            "median_minutes",
            "mean_score",
        ],
        (
            [
                f.title,
                f.expiry_mode,
                f.started,
                f.submitted,
                f.expired,
                f.running,
                f.not_counted,
                _r(f.completion),
                _r(f.expiry_rate),
                _r(f.median_minutes, 1),
                _r(f.mean_score, 1),
            ]
            for f in rows
        ),
        rows=rows,
        histograms=histograms,
    )


@router.get("/topics")
async def topics_page(page: Table) -> Response:
    async def compute(s: AsyncSession) -> tuple[list[service.TopicWeek], charts.Chart]:
        weeks = await service.topic_weeks(s, page.filters)
        series = await anyio.to_thread.run_sync(service.area_series, weeks)
        return weeks, charts.trend("Mean score per area and week", series)

    weeks, chart = await page.cached("topics", compute)
    return await page.answer(
        "topics",
        ["area", "topic", "week", "mean_score", "attempts"],
        ([w.area, w.topic, w.week.date().isoformat(), _r(w.mean_score), w.attempts] for w in weeks),
        weeks=weeks,
        chart=chart,
    )
