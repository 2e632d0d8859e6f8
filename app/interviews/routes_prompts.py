"""The candidate's side of the live follow-up ladder (app/interviews/prompts.py): one prompt as a
fragment (the attempt page fetches it when the stream announces it) and the autosave of an answer
to a follow-up (the answers' compare-and-swap protocol, JSON replies)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.auth.dependencies import signed_in
from app.db import DbSession, SessionRoute
from app.interviews import prompts
from app.interviews.dependencies import OwnAttempt
from app.interviews.routes_notes import json_or_form
from app.web.errors import script_only
from app.web.templating import render_block

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])


@router.get("/attempts/{attempt_id}/prompts/{prompt_id}")
async def prompt_fragment(
    request: Request, session: DbSession, attempt: OwnAttempt, prompt_id: uuid.UUID
) -> Response:
    """One prompt as the attempt page shows it (with the answer box of a follow-up)."""
    prompt = await prompts.prompt_of(session, attempt.id, prompt_id)
    ctx = {"p": prompt, "attempt_id": attempt.id, "open": attempt.state == "in_progress"}
    return render_block(request, "interviews/_prompt.html", "prompt", ctx)


@router.post("/attempts/{attempt_id}/prompts/{prompt_id}/answer")
@script_only
async def save_prompt_answer(
    request: Request, session: DbSession, attempt: OwnAttempt, prompt_id: uuid.UUID
) -> Response:
    """The answer to a follow-up: base_revision, save_id, text; 200 / 409 stale / 409 closed (JSON)."""
    save = prompts.parse_answer(await json_or_form(request))
    out = await prompts.save_answer(session, attempt, prompt_id, save)
    return JSONResponse(out.to_json())
