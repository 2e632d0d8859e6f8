"""Admin analytics pages: questions (item statistics), one question, mentors, formats, topics.

Every table page also answers `?export=csv` with the same rows as CSV.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from app.analytics import charts, service
from app.analytics.repository import Filters
from app.auth.dependencies import admin_only
from app.db import DbSession
from app.errors import Invalid
from app.interviews.models import InterviewFormat
from app.questions.models import Topic
from app.web.templating import render

router = APIRouter(prefix="/admin/analytics", dependencies=[Depends(admin_only)])

KINDS = ("free_text", "single_choice", "multiple_choice", "numeric")


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise Invalid("Use a date like 2026-11-29.", fields={name: "not a date"}) from err


def _filters(
    topic_id: Annotated[str, Query(max_length=12)] = "",
    tag: Annotated[str, Query(max_length=63)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    format_id: Annotated[str, Query(max_length=36)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
) -> Filters:
    """The filter form's values; empty means "all"."""
    try:
        topic = int(topic_id) if topic_id else None
        fmt = uuid.UUID(format_id) if format_id else None
    except ValueError as err:
        raise Invalid("Choose a topic and a format from the lists.") from err
    if topic is not None and not 0 < topic < 2**31:
        raise Invalid("Choose a topic from the list.", fields={"topic_id": "unknown topic"})
    if kind and kind not in KINDS:
        raise Invalid("Choose a kind from the list.", fields={"kind": "unknown kind"})
    return Filters(
        topic_id=topic,
        tag=tag.strip().lower() or None,
        kind=kind or None,
        format_id=fmt,
        since=_day(since, "since"),
        until=_day(until, "until"),  # the "until" day is included
    )


AnalyticsFilters = Annotated[Filters, Depends(_filters)]


async def _choices(session: DbSession) -> dict[str, Any]:
    topics = (
        await session.execute(select(Topic).order_by(Topic.parent_id.nulls_first(), Topic.position))
    ).scalars()
    formats = (await session.execute(select(InterviewFormat).order_by(InterviewFormat.title))).scalars()
    return {"topics": list(topics), "formats": list(formats), "kinds": KINDS}


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
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


def _r(x: float | None, digits: int = 3) -> float | str:
    return "" if x is None else round(x, digits)


@router.get("")
async def questions_page(
    request: Request, session: DbSession, filters: AnalyticsFilters, export: str = ""
) -> Response:
    rows = await service.question_table(session, filters)
    if export == "csv":
        return _csv(
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
                    "; ".join(q.flags),
                ]
                for q in rows
            ),
        )
    points = [
        (q.title, q.facility, q.discrimination, bool(q.flags))
        for q in rows
        if q.facility is not None and q.discrimination is not None
    ]
    ctx = {
        "rows": rows,
        "chart": charts.item_map(points),
        "filters": filters,
        "request_query": request.url.query,
    }
    return render(request, "analytics/questions.html", {**ctx, **await _choices(session)}, block="results")


@router.get("/questions/{question_id}")
async def question_page(
    request: Request, session: DbSession, filters: AnalyticsFilters, question_id: uuid.UUID
) -> Response:
    detail = await service.question_detail(session, question_id, filters)
    chart = charts.bars("Time on this question", "Seconds", detail.times, unit=" s")
    return render(request, "analytics/question.html", {"q": detail, "chart": chart, "filters": filters})


@router.get("/questions/{question_id}/summary")
async def question_summary(request: Request, session: DbSession, question_id: uuid.UUID) -> Response:
    """The few figures the curation page shows (htmx loads this fragment into it)."""
    rows = await service.question_table(session, Filters(question_id=question_id))
    return render(
        request, "analytics/_summary.html", {"s": rows[0] if rows else None, "qid": question_id}, block=None
    )


@router.get("/mentors")
async def mentors_page(
    request: Request, session: DbSession, filters: AnalyticsFilters, export: str = ""
) -> Response:
    table = await service.mentor_table(session, filters)
    if export == "csv":
        return _csv(
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
        )
    ctx = {"table": table, "filters": filters, "request_query": request.url.query}
    return render(request, "analytics/mentors.html", {**ctx, **await _choices(session)}, block="results")


@router.get("/formats")
async def formats_page(
    request: Request, session: DbSession, filters: AnalyticsFilters, export: str = ""
) -> Response:
    rows = await service.format_table(session, filters)
    if export == "csv":
        return _csv(
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
        )
    histograms = [
        (f, charts.bars(f"Scores in {f.title}", "Score (%)", f.histogram)) for f in rows if f.started
    ]
    ctx = {"rows": rows, "histograms": histograms, "filters": filters, "request_query": request.url.query}
    return render(request, "analytics/formats.html", {**ctx, **await _choices(session)}, block="results")


@router.get("/topics")
async def topics_page(
    request: Request, session: DbSession, filters: AnalyticsFilters, export: str = ""
) -> Response:
    weeks = await service.topic_weeks(session, filters)
    if export == "csv":
        return _csv(
            "topics",
            ["area", "topic", "week", "mean_score", "attempts"],
            ([w.area, w.topic, w.week.date().isoformat(), _r(w.mean_score), w.attempts] for w in weeks),
        )
    chart = charts.trend("Mean score per area and week", service.area_series(weeks))
    ctx = {"weeks": weeks, "chart": chart, "filters": filters, "request_query": request.url.query}
    return render(request, "analytics/topics.html", {**ctx, **await _choices(session)}, block="results")
