"""Candidate pages for interviews: formats, start, the attempt page, autosave, submit, results."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.auth.credentials import Credentials
from app.auth.dependencies import CurrentUser, signed_in, signed_in_lean
from app.db import DbSession, SessionRoute
from app.errors import NotFound
from app.interviews import formats, notes, prompts, repository, service
from app.interviews.autosave import save
from app.interviews.dependencies import OwnAttempt
from app.interviews.models import InterviewFormat
from app.interviews.schemas import AttemptRead, AttemptStatus
from app.interviews.views import attempt_read, attempt_status
from app.kit.ratelimit import limit
from app.questions.rendering import render_markdown_lenient
from app.web.errors import script_only
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute)
LeanCredentials = Annotated[Credentials, Depends(signed_in_lean)]


# ---- autosave (app/interviews/autosave.py: the handler and its pure-ASGI dispatch) --------


@router.post("/attempts/{attempt_id}/items/{item_id}/answer", dependencies=[Depends(signed_in_lean)])
@script_only
async def save_answer_page(
    request: Request, creds: LeanCredentials, attempt_id: uuid.UUID, item_id: uuid.UUID
) -> Response:
    return await save(request, attempt_id, item_id, creds)


# ---- pages ---------------------------------------------------------------------------------------


@router.get("/interviews", dependencies=[Depends(signed_in)])
async def dashboard(request: Request, session: DbSession, user: CurrentUser) -> Response:
    formats = await repository.list_formats(session, statuses=["published"])
    attempts = await service.list_attempts(session, user.id)
    open_by_format = {a.format_id: a.id for a, _ in attempts if a.state == "in_progress"}
    ctx = {"formats": formats, "attempts": attempts, "open_by_format": open_by_format}
    return render(request, "interviews/dashboard.html", ctx)


@router.get("/interviews/{format_id}/start", dependencies=[Depends(signed_in)])
async def instructions(
    request: Request, session: DbSession, user: CurrentUser, format_id: uuid.UUID
) -> Response:
    """What the interview is and how it runs, before the clock starts (the Start button starts it)."""
    fmt = await formats.get_format(session, format_id)
    if fmt.status != "published":
        raise NotFound("This interview format is not open.")
    existing = await repository.open_attempt(session, user_id=user.id, format_id=fmt.id)
    if existing is not None:
        return Response(status_code=303, headers={"Location": f"/attempts/{existing.id}"})
    used = await repository.count_attempts(session, user_id=user.id, format_id=fmt.id)
    questions = sum(int(slot.get("count", 1)) for slot in fmt.slots)
    limit = fmt.time_limit_seconds * float(user.time_factor)
    ctx = {"fmt": fmt, "questions": questions, "limit_seconds": limit, "used": used}
    return render(request, "interviews/instructions.html", ctx)


@router.post("/interviews/{format_id}/start", dependencies=[Depends(signed_in)])
async def start(request: Request, session: DbSession, user: CurrentUser, format_id: uuid.UUID) -> Response:
    attempt = await service.start_attempt(session, user, format_id)
    return redirect(request, f"/attempts/{attempt.id}")


async def _read(session: DbSession, attempt: Any) -> tuple[AttemptRead, InterviewFormat]:
    fmt = await formats.get_format(session, attempt.format_id)
    return await attempt_read(session, attempt, fmt), fmt


@router.get("/attempts/{attempt_id}", dependencies=[Depends(signed_in)])
async def attempt_page(request: Request, session: DbSession, attempt: OwnAttempt) -> Response:
    if attempt.state != "in_progress":
        return Response(status_code=303, headers={"Location": f"/attempts/{attempt.id}/results"})
    view, fmt = await _read(session, attempt)
    pad = await notes.notes_of(session, attempt.id)
    ctx: dict[str, Any] = {"a": view, "fmt": fmt, "pad": pad, **await _live_prompts(session, attempt, view)}
    return render(request, "interviews/attempt.html", ctx)


async def _live_prompts(session: DbSession, attempt: Any, view: AttemptRead) -> dict[str, Any]:
    """A live attempt's follow-ups and hints so far, under their questions (those of a question
    not on the page, in a one-way interview, in a section of their own)."""
    sent = await prompts.prompts_of(session, attempt.id)
    live = attempt.live or bool(sent)
    linear = attempt.navigation == "linear"
    shown = {i.id for i in view.items if not linear or i.position == attempt.current_position}
    return {
        "live": live,
        "prompts": prompts.by_item([p for p in sent if p.item_id in shown]),
        "other_prompts": [p for p in sent if p.item_id not in shown],
    }


@router.get("/attempts/{attempt_id}/status", dependencies=[Depends(signed_in)])
async def attempt_status_page(attempt: OwnAttempt) -> AttemptStatus:
    """Polled by the attempt page every few seconds: an extension reaches a page that is not saving."""
    return attempt_status(attempt)


@router.post("/attempts/{attempt_id}/preview", dependencies=[Depends(signed_in), Depends(limit("preview"))])
async def preview(
    request: Request, attempt: OwnAttempt, text: Annotated[str, Form(max_length=50_000)] = ""
) -> Response:
    html = render_markdown_lenient(text) if text.strip() else ""
    return render(request, "interviews/preview.html", {"html": html}, block="preview")


@router.post("/attempts/{attempt_id}/next", dependencies=[Depends(signed_in)])
async def next_question(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    attempt: OwnAttempt,
    position: Annotated[int, Form()],
) -> Response:
    await service.next_item(session, user, attempt.id, position=position)
    return redirect(request, f"/attempts/{attempt.id}")


@router.get("/attempts/{attempt_id}/submit", dependencies=[Depends(signed_in)])
async def submit_confirm(request: Request, session: DbSession, attempt: OwnAttempt) -> Response:
    if attempt.state != "in_progress":
        return Response(status_code=303, headers={"Location": f"/attempts/{attempt.id}/results"})
    view, fmt = await _read(session, attempt)
    unanswered = sum(1 for i in view.items if not i.answer)
    return render(request, "interviews/submit.html", {"a": view, "fmt": fmt, "unanswered": unanswered})


@router.post("/attempts/{attempt_id}/submit", dependencies=[Depends(signed_in)])
async def submit(request: Request, session: DbSession, user: CurrentUser, attempt_id: uuid.UUID) -> Response:
    await service.submit_attempt(session, user, attempt_id)
    return redirect(request, f"/attempts/{attempt_id}/results")
