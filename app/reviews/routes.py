"""Mentor pages: the review queue, claims, the review page with autosave, submit and release."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response

from app.auth.dependencies import CurrentMentor, mentor_only
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.kit import clock
from app.kit.digits import whole_number
from app.questions.rendering import render_markdown_lenient
from app.reviews import anchors, claims, delivery, drafts, repository, submission, views
from app.reviews.dependencies import OwnReview
from app.reviews.schemas import DraftFormSave, DraftSaved, ReviewDraft, draft_from_form
from app.web.errors import script_only
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute, prefix="/reviews", dependencies=[Depends(mentor_only)])


async def _queue_ctx(
    session: DbSession, mentor: Any, format_id: uuid.UUID | None, topic_id: int | None
) -> dict[str, Any]:
    calibration = await anchors.prepare(session, mentor.id, repository.HEAD)
    now = clock.now()
    return {
        "calibration": calibration,
        "queue": await repository.queue(
            session, me=mentor.id, now=now, format_id=format_id, topic_id=topic_id
        ),
        "counts": await repository.counts(session, now=now),
        "mine": await repository.my_reviews(session, mentor.id),
        "now": now,
        "format_id": format_id,
        "topic_id": topic_id,
        "message": None,
        **await repository.filter_choices(session),
    }


@router.get("")
async def queue_page(
    request: Request,
    session: DbSession,
    mentor: CurrentMentor,
    format_id: Annotated[str, Query(max_length=40)] = "",
    topic_id: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    # the filter form submits both selects; an empty one means "all"
    ctx = await _queue_ctx(session, mentor, *_selection(format_id, topic_id))
    return render(request, "reviews/queue.html", ctx, block="queue")


@router.post("/claim")
async def claim(
    request: Request,
    session: DbSession,
    mentor: CurrentMentor,
    format_id: Annotated[str, Form()] = "",
    topic_id: Annotated[str, Form()] = "",
) -> Response:
    fmt, topic = _selection(format_id, topic_id)
    review = await claims.claim_next(session, mentor, format_id=fmt, topic_id=topic)
    if review is None:
        ctx = await _queue_ctx(session, mentor, fmt, topic)
        ctx["message"] = "Nothing to claim: no attempt in this selection needs a review from you right now."
        return render(request, "reviews/queue.html", ctx, status_code=409)
    return redirect(request, f"/reviews/{review.id}")


def _selection(format_id: str, topic_id: str) -> tuple[uuid.UUID | None, int | None]:
    """The queue filter's two selects; empty (or not a valid id) means "all"."""
    fmt = uuid.UUID(format_id) if _is_uuid(format_id) else None
    topic = whole_number(topic_id, below=10**9)
    return fmt, topic


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@router.get("/{review_id}")
async def review_page(request: Request, session: DbSession, found: OwnReview) -> Response:
    ctx = await views.review_page(session, *found)
    ctx["anchor"] = await anchors.reveal(session, found[0])  # None until the review is submitted
    return render(request, "reviews/review.html", {**ctx, "errors": {}})


async def _draft_of(session: DbSession, found: OwnReview, form: Mapping[str, Sequence[str]]) -> ReviewDraft:
    items = await drafts.contexts(session, found[1].id)
    return draft_from_form(form, [c.item_id for c in items], {c.item_id: len(c.criteria) for c in items})


async def _form_draft(request: Request, session: DbSession, found: OwnReview) -> ReviewDraft:
    form = await request.form()
    return await _draft_of(
        session, found, {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}
    )


@router.post("/{review_id}/draft")
@script_only
async def save_draft(
    session: DbSession, mentor: CurrentMentor, found: OwnReview, body: DraftFormSave
) -> Response:
    """The page's autosave (static/js/autosave.js, the answers' compare-and-swap protocol): the form
    as it is, `base_revision` and `save_id`; answered in JSON (the script sends Accept:
    application/json, so a refusal is the error handler's JSON: error, reason, fields)."""
    draft = await _draft_of(session, found, body.form)
    out = await drafts.save_draft(
        session, mentor, found[0].id, base_revision=body.base_revision, draft=draft, save_id=body.save_id
    )
    return JSONResponse(DraftSaved.of(out, save_id=body.save_id).model_dump(mode="json"))


@router.post("/{review_id}/preview")
async def preview(
    request: Request, found: OwnReview, field: Annotated[str, Query(max_length=80)]
) -> Response:
    value = (await request.form()).get(field)
    body = value if isinstance(value, str) else ""
    html = render_markdown_lenient(body[:20_000]) if body.strip() else ""
    return render(request, "reviews/preview.html", {"html": html}, block="preview")


@router.post("/{review_id}/submit")
async def submit(request: Request, session: DbSession, mentor: CurrentMentor, found: OwnReview) -> Response:
    draft = await _form_draft(request, session, found)
    try:
        await submission.submit_review(session, mentor, found[0].id, draft)
    except Invalid as exc:  # raised before anything is written: re-render with the mentor's input
        ctx = await views.review_page(session, *found, draft=draft)
        ctx.update(errors=exc.fields, message=exc.message)
        return render(request, "reviews/review.html", ctx, status_code=422)
    return redirect(request, f"/reviews/{found[0].id}")


@router.post("/{review_id}/release-claim")
async def release_claim(
    request: Request, session: DbSession, mentor: CurrentMentor, review_id: uuid.UUID
) -> Response:
    await claims.release_claim(session, mentor, review_id)
    return redirect(request, "/reviews")


@router.post("/attempts/{attempt_id}/release")
async def release(
    request: Request, session: DbSession, mentor: CurrentMentor, attempt_id: uuid.UUID
) -> Response:
    await delivery.release_feedback(session, mentor, attempt_id)
    return redirect(request, "/reviews")
