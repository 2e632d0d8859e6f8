"""Annotations on the review page: highlight a span of a free-text answer and comment on it
(app/reviews/annotations.py). Plain forms work without script (the mentor types the quote);
with script the selection's offsets are sent and only the annotations section is swapped."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentMentor, mentor_only
from app.db import DbSession, SessionRoute
from app.kit.digits import whole_number
from app.reviews import annotation, claims, views
from app.web.templating import is_htmx, redirect, render_block

router = APIRouter(route_class=SessionRoute, prefix="/reviews", dependencies=[Depends(mentor_only)])


def _offset(raw: str) -> int | None:
    return whole_number(raw)


async def _answer(
    request: Request, session: DbSession, mentor: CurrentMentor, review_id: uuid.UUID
) -> Response:
    if not is_htmx(request):
        return redirect(request, f"/reviews/{review_id}#annotations-h")
    review, attempt, fmt = await claims.own_review(session, mentor, review_id)
    ctx = await views.review_page(session, review, attempt, fmt)
    return render_block(request, "reviews/review.html", "annotations", ctx)


@router.post("/{review_id}/items/{item_id}/annotations")
async def add(
    request: Request,
    session: DbSession,
    mentor: CurrentMentor,
    review_id: uuid.UUID,
    item_id: uuid.UUID,
    # no parser limit on the texts: the service's own (app/reviews/annotation.py) answers with the
    # field's message; the body limit bounds what is read
    quote: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    start: Annotated[str, Form(max_length=12)] = "",
    end: Annotated[str, Form(max_length=12)] = "",
    unit: Annotated[str, Form(max_length=12)] = "code_points",
) -> Response:
    form = annotation.SpanForm(_offset(start), _offset(end), quote, comment, unit or "code_points")
    await annotation.add(session, mentor, review_id, item_id, form)
    return await _answer(request, session, mentor, review_id)


@router.post("/{review_id}/annotations/{annotation_id}/delete")
async def remove(
    request: Request,
    session: DbSession,
    mentor: CurrentMentor,
    review_id: uuid.UUID,
    annotation_id: uuid.UUID,
) -> Response:
    await annotation.remove(session, mentor, review_id, annotation_id)
    return await _answer(request, session, mentor, review_id)
