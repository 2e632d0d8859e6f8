"""The candidate's marks on an attempt: flag a question for review, the private scratchpad and
whether it is shared (reviewers read shared notes through app/reviews/routes_notes.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from app.auth.dependencies import signed_in
from app.db import DbSession, SessionRoute
from app.interviews import notes
from app.interviews.dependencies import OwnAttempt
from app.kit import jsonbody
from app.web.errors import script_only
from app.web.templating import render, wants_fragment

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])


@router.post("/attempts/{attempt_id}/items/{item_id}/flag")
async def flag(
    request: Request,
    session: DbSession,
    attempt: OwnAttempt,
    item_id: uuid.UUID,
    flagged: Annotated[bool, Form()],
) -> Response:
    item = await notes.set_flag(session, attempt, item_id, flagged=flagged)
    if wants_fragment(request):
        ctx = {"attempt_id": attempt.id, "item": item, "n": item.position + 1}
        return render(request, "interviews/_flag.html", ctx, block=None)
    return Response(status_code=303, headers={"Location": f"/attempts/{attempt.id}#item-{item.position + 1}"})


async def json_or_form(request: Request) -> dict[str, Any]:
    """A text save's body: JSON from the page's script, or a form from its beacon on leaving."""
    if request.headers.get("content-type", "").startswith("application/json"):
        data = jsonbody.loads(await request.body())
        return data if isinstance(data, dict) else {}
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/attempts/{attempt_id}/notes")
@script_only
async def save_notes(request: Request, session: DbSession, attempt: OwnAttempt) -> Response:
    """The scratchpad's autosave: the answers' protocol (base_revision, save_id; 409 stale/closed), JSON replies."""
    out = await notes.save_notes(session, attempt, notes.parse_notes(await json_or_form(request)))
    return JSONResponse(out.to_json())


@router.post("/attempts/{attempt_id}/notes/share")
async def share_notes(
    request: Request, session: DbSession, attempt: OwnAttempt, shared: Annotated[bool, Form()]
) -> Response:
    pad = await notes.set_shared(session, attempt, shared=shared)
    if wants_fragment(request):
        return render(
            request, "interviews/_notes_share.html", {"attempt_id": attempt.id, "pad": pad}, block=None
        )
    back = f"/attempts/{attempt.id}" if attempt.state == "in_progress" else f"/attempts/{attempt.id}/results"
    return Response(status_code=303, headers={"Location": back + "#notes"})
