"""Admin pages for anchor answers (issue 21): the list, the form (a real answer or a written one),
retire. Thin: parse → app/calibration/anchors.py → render."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentAdmin, admin_only
from app.calibration import anchors
from app.calibration.anchors import AnchorInput
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.reviews import scoring
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute, prefix="/admin/anchors", dependencies=[Depends(admin_only)])


@router.get("")
async def anchors_page(request: Request, session: DbSession) -> Response:
    ctx = {
        "rows": await anchors.list_anchors(session),
        "questions": await anchors.free_text_questions(session),
    }
    return render(request, "calibration/anchors.html", ctx)


async def _form_ctx(session: DbSession, src: anchors.Source, data: AnchorInput) -> dict[str, Any]:
    return {
        "src": src,
        "data": data,
        "formats": await anchors.blind_formats(session),
        "recommendations": scoring.RECOMMENDATIONS,
        "recommendation_labels": scoring.RECOMMENDATION_LABELS,
        "errors": {},
        "message": None,
    }


@router.get("/new")
async def new_anchor(
    request: Request,
    session: DbSession,
    question_id: Annotated[uuid.UUID | None, Query()] = None,
    item_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    if question_id is None and item_id is None:  # nothing chosen yet: the list has the pickers
        return Response(status_code=303, headers={"Location": "/admin/anchors"})
    src = await anchors.source(session, question_id=question_id, item_id=item_id)
    data = AnchorInput(
        question_id=src.question.id,
        item_id=src.item.id if src.item else None,
        format_id=src.default_format_id,
        answer_text=src.answer_text,
    )
    return render(request, "calibration/anchor_form.html", await _form_ctx(session, src, data))


@router.post("")
async def create(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
    data = _form_input(await request.form())
    try:
        await anchors.create_anchor(session, admin, data)
    except Invalid as exc:
        if data.question_id is None and data.item_id is None:
            raise
        src = await anchors.source(session, question_id=data.question_id, item_id=data.item_id)
        ctx = await _form_ctx(session, src, data)
        ctx.update(errors=exc.fields or {}, message=exc.message)
        return render(request, "calibration/anchor_form.html", ctx, status_code=422)
    return redirect(request, "/admin/anchors")


@router.post("/{anchor_id}/retire")
async def retire(request: Request, session: DbSession, anchor_id: uuid.UUID) -> Response:
    await anchors.retire_anchor(session, anchor_id)
    return redirect(request, "/admin/anchors")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _level(value: Any) -> int | None:
    return (
        int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 4
        else None
    )


def _form_input(form: Any) -> AnchorInput:
    n = sum(1 for k in form if str(k).startswith("level-"))
    count = max(
        [int(k[6:]) + 1 for k in form if str(k).startswith("level-") and k[6:].isascii() and k[6:].isdigit()]
        + [n, 0]
    )
    return AnchorInput(
        question_id=_uuid(form.get("question_id")),
        item_id=_uuid(form.get("item_id")),
        format_id=_uuid(form.get("format_id")),
        answer_text=str(form.get("answer_text") or ""),
        levels=[_level(form.get(f"level-{c}")) for c in range(min(count, 50))],
        recommendation=str(form.get("recommendation") or ""),
        rationale=str(form.get("rationale") or ""),
    )
