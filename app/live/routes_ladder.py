"""The mentor's side of the live follow-up ladder and notes (app/live/ladder.py):

- `POST /live/{session_id}/prompts` — send a follow-up or hint (form: item_id, kind, ref or text,
  send_id). JSON for the page's script (`Accept: application/json`), else back to the live page.
- `GET  /live/{session_id}/prompts/{prompt_id}` — one log entry (the page fetches it when the stream
  announces a prompt).
- `POST /live/{session_id}/notes` — the notes' autosave (base_revision, save_id, text; JSON).
- `POST /live/{session_id}/review` — open (claim if need be) the mentor's review of the attempt.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StringConstraints

from app.auth.dependencies import CurrentUser, signed_in
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.interviews.prompts import PromptKind, PromptSend
from app.interviews.routes_notes import json_or_form
from app.live import ladder
from app.web.errors import is_api, script_only
from app.web.templating import redirect, render_block

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])
SendId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PromptSentRead(BaseModel):
    prompt_id: uuid.UUID
    item_id: uuid.UUID
    kind: str
    ref: int | None
    sent_at: str
    new: bool = Field(description="false when this prompt had been sent before (a retry, a second click)")


@router.post("/live/{session_id}/prompts")
async def send_prompt(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    session_id: uuid.UUID,
    item_id: Annotated[uuid.UUID, Form()],
    kind: Annotated[str, Form(max_length=12)],
    send_id: Annotated[SendId, Form()],
    ref: Annotated[str, Form(max_length=4)] = "",
    text: Annotated[
        str, Form()
    ] = "",  # its limit: the service's (app/interviews/prompts.py), with its message
) -> Response:
    if kind not in PromptKind.__members__ or not (ref == "" or (ref.isascii() and ref.isdigit())):
        raise Invalid("Choose a follow-up or a hint from the list.", fields={"kind": "unknown"})
    what = PromptSend(item_id, PromptKind(kind), int(ref) if ref else None, text, send_id)
    prompt, new = await ladder.send(session, user, session_id, what)
    if is_api(request):
        read = PromptSentRead(
            prompt_id=prompt.id,
            item_id=prompt.item_id,
            kind=prompt.kind,
            ref=prompt.ref,
            sent_at=prompt.sent_at.isoformat(),
            new=new,
        )
        return JSONResponse(read.model_dump(mode="json"))
    return redirect(request, f"/live/{session_id}#ladder-{prompt.item_id}")


@router.get("/live/{session_id}/prompts/{prompt_id}")
async def prompt_entry(
    request: Request, session: DbSession, user: CurrentUser, session_id: uuid.UUID, prompt_id: uuid.UUID
) -> Response:
    prompt = await ladder.prompt_for_mentor(session, user, session_id, prompt_id)
    return render_block(request, "live/_ladder_entry.html", "entry", {"p": prompt})


@router.post("/live/{session_id}/notes")
@script_only
async def save_notes(
    request: Request, session: DbSession, user: CurrentUser, session_id: uuid.UUID
) -> Response:
    """The notes' autosave: the answers' protocol (base_revision, save_id; 409 stale), JSON replies
    (errors too, whatever the script's Accept header: `script_only`)."""
    out = await ladder.save_notes(session, user, session_id, await json_or_form(request))
    return JSONResponse(out)


@router.post("/live/{session_id}/review")
async def open_review(
    request: Request, session: DbSession, user: CurrentUser, session_id: uuid.UUID
) -> Response:
    review = await ladder.open_review(session, user, session_id)
    return redirect(request, f"/reviews/{review.id}")
