"""Candidate pages: an attempt's results, released feedback and its rating, progress with the chart,
notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response

from app.auth.dependencies import CurrentUser, signed_in
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.interviews import formats, notes
from app.interviews.dependencies import OwnAttempt
from app.interviews.views import attempt_read
from app.kit.digits import whole_number
from app.reviews import delivery, export, notify, progress, repository, views
from app.reviews.api import feedback as feedback_read
from app.reviews.dependencies import ReleasedAttempt
from app.web.templating import is_htmx, redirect, render

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])


@router.get("/attempts/{attempt_id}/results")
async def results(request: Request, session: DbSession, attempt: OwnAttempt) -> Response:
    """The attempt's results (interviews' page) and whether its feedback is out yet: here, above
    both domains, so that interviews never reads the reviews' tables."""
    if attempt.state == "in_progress":
        return Response(status_code=303, headers={"Location": f"/attempts/{attempt.id}"})
    fmt = await formats.get_format(session, attempt.format_id)
    view = await attempt_read(session, attempt, fmt)
    outcome = await repository.outcome(session, attempt.id)
    released_at = outcome.released_at if outcome is not None else None
    pad = await notes.notes_of(session, attempt.id)  # the candidate's own scratchpad and its sharing
    ctx = {"a": view, "fmt": fmt, "released_at": released_at, "pad": pad}
    return render(request, "interviews/results.html", ctx)


@router.get("/attempts/{attempt_id}/feedback")
async def feedback_page(
    request: Request, session: DbSession, user: CurrentUser, attempt: ReleasedAttempt, rated: int = 0
) -> Response:
    await notify.mark_read(session, user.id, f"/attempts/{attempt.id}/feedback")
    ctx = await views.feedback(session, attempt)
    return render(request, "reviews/feedback.html", {**ctx, "errors": {}, "saved": bool(rated)})


@router.get("/feedback")
async def feedback_search(
    request: Request, session: DbSession, user: CurrentUser, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """One's released feedback, newest first; `q` searches the reviewers' summaries and comments."""
    rows = await progress.search_feedback(session, user.id, q.strip())
    return render(request, "reviews/feedback_search.html", {"rows": rows, "q": q.strip()})


@router.get("/attempts/{attempt_id}/feedback.md")
async def feedback_markdown(session: DbSession, attempt: ReleasedAttempt) -> Response:
    """One's own released feedback as a Markdown file."""
    body = export.feedback_markdown(await views.feedback(session, attempt))
    headers = {"Content-Disposition": f'attachment; filename="feedback-{attempt.id}.md"'}
    return Response(body, media_type="text/markdown; charset=utf-8", headers=headers)


@router.get("/attempts/{attempt_id}/feedback.json")
async def feedback_json(session: DbSession, attempt: ReleasedAttempt) -> Response:
    """One's own released feedback as the API's JSON, as a file."""
    body = await feedback_read(session, attempt)
    headers = {"Content-Disposition": f'attachment; filename="feedback-{attempt.id}.json"'}
    return JSONResponse(body.model_dump(mode="json"), headers=headers)


@router.post("/attempts/{attempt_id}/feedback/rating")
async def rate(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    attempt: ReleasedAttempt,
    rating: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",  # its limit: the service's, with the field's message
) -> Response:
    errors: dict[str, str] = {}
    try:
        await delivery.rate_feedback(
            session,
            user,
            attempt,
            rating=whole_number(rating) or 0,
            comment=comment,
        )
    except Invalid as exc:
        errors = exc.fields
    if not is_htmx(request):
        if not errors:
            return redirect(request, f"/attempts/{attempt.id}/feedback?rated=1#rating")
        ctx = {**await views.feedback(session, attempt), "errors": errors, "saved": False}
        return render(request, "reviews/feedback.html", ctx, status_code=422)
    ctx = {
        "attempt": attempt,
        "rating": await delivery.current_rating(session, attempt.id),
        "errors": errors,
        "saved": not errors,
    }
    return render(request, "reviews/feedback.html", ctx, block="rating", status_code=422 if errors else 200)


@router.get("/progress")
async def progress_page(request: Request, session: DbSession, user: CurrentUser) -> Response:
    times, topics = await progress.topic_progress(session, user.id)
    weakest = progress.weakest(topics)
    practice = await progress.practice_in_topics(session, user.id, [t.topic_id for t in weakest])
    ctx = {
        "times": times,
        "topics": topics,
        "weakest": weakest,
        "practice": practice,
        "misconceptions": await progress.frequent_misconceptions(session, user.id),
    }
    return render(request, "progress/progress.html", ctx)


@router.get("/progress/chart.svg")
async def progress_chart(session: DbSession, user: CurrentUser) -> Response:
    times, topics = await progress.topic_progress(session, user.id)
    return Response(
        progress.chart_svg(times, topics),
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": progress.CHART_CSP, "Cache-Control": "no-store"},
    )


@router.get("/notifications")
async def notifications_page(request: Request, session: DbSession, user: CurrentUser) -> Response:
    items = await notify.recent(session, user.id)
    return render(request, "reviews/notifications.html", {"items": items})


@router.get("/notifications/count")
async def notifications_count(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """The nav badge (loaded by htmx after the page)."""
    count = await notify.unread_count(session, user.id)
    return render(request, "reviews/notifications.html", {"count": count}, block="badge")


@router.post("/notifications/read")
async def notifications_read(request: Request, session: DbSession, user: CurrentUser) -> Response:
    await notify.mark_all_read(session, user.id)
    items = await notify.recent(session, user.id)
    return render(request, "reviews/notifications.html", {"items": items})
