"""Practice pages: answer a published question untimed, see the grading at once. Thin routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentUser, signed_in
from app.db import DbSession, SessionRoute
from app.errors import Conflict, Invalid, NotFound
from app.interviews import repository as interviews
from app.practice import answering, service
from app.questions import kinds, repository
from app.questions.dependencies import VisibleQuestion
from app.questions.models import Question, QuestionVersion
from app.web.templating import render

router = APIRouter(route_class=SessionRoute, dependencies=[Depends(signed_in)])
PAGE = "practice/question.html"


async def _open_for(session: DbSession, user: CurrentUser, question: Question) -> None:
    """Practice reveals keys and reference answers, so it is closed (for all but admins) on a question
    that a format with `keys_shown: never` may draw (404: not open for practice), and on a question
    of the candidate's own running interview (409: finish it first). See docs/DEVELOPING.md."""
    if user.is_admin:
        return
    if await interviews.in_keyless_format(session, question.id):
        raise NotFound("This question is not open for practice.")
    if await interviews.in_running_attempt(session, user.id, question.id):
        raise Conflict("This question is in your running interview: practise it after you submit.")


async def practisable(session: DbSession, user: CurrentUser, question: VisibleQuestion) -> Question:
    await _open_for(session, user, question)
    return question


PractisableQuestion = Annotated[Question, Depends(practisable)]


async def _form(request: Request) -> dict[str, Any]:
    """Form fields; repeated ones (a kind's list answer: choices, parts, …) as lists."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = (
            values if key in kinds.list_answer_fields() or len(values) > 1 else (values[0] if values else "")
        )
    return out


async def _page_ctx(
    session: DbSession, question: Question, version: QuestionVersion, seed: int | None
) -> dict[str, Any]:
    _, topic_name = await repository.topic_label(session, question.topic_id)
    return {
        "question": question,
        "version": version,
        "topic_name": topic_name,
        "shown": answering.shown(version, seed),
        "form": {},
        "errors": {},
        "outcome": None,
    }


@router.get("/practice/{question_id}")
async def practice_page(
    request: Request, session: DbSession, question: PractisableQuestion, seed: int | None = None
) -> Response:
    version = await repository.get_version(session, question, None)
    assert version is not None
    return render(
        request, PAGE, await _page_ctx(session, question, version, answering.fresh_seed(version, seed))
    )


@router.post("/practice/{question_id}")
async def practice_submit(
    request: Request, session: DbSession, user: CurrentUser, question: PractisableQuestion
) -> Response:
    form = await _form(request)
    # grade against the version that was shown, even if the question was edited meanwhile
    shown_id = _uuid(form.get("version_id"))
    version = await session.get(QuestionVersion, shown_id) if shown_id else None
    if version is None or version.question_id != question.id:
        version = await repository.get_version(session, question, None)
    assert version is not None
    ctx = await _page_ctx(session, question, version, answering.seed_of(version, form))
    try:
        outcome = await service.submit(session, user, question, version, form)
    except Invalid as exc:
        ctx.update(form=form, errors=exc.fields or {"answer": exc.message})
        return render(request, PAGE, ctx, block="answer", status_code=422)
    ctx.update(form=form, outcome=outcome)
    return render(request, PAGE, ctx, block="result")


@router.post("/practice/answers/{answer_id}/self-score")
async def practice_self_score(
    request: Request, session: DbSession, user: CurrentUser, answer_id: uuid.UUID
) -> Response:
    form = {k: v for k, v in (await _form(request)).items() if isinstance(v, str)}
    row = await service.own_answer(session, user, answer_id)
    question = await session.get(Question, row.question_id)
    version = await session.get(QuestionVersion, row.version_id)
    if question is None or version is None or (question.status != "published" and not user.is_admin):
        raise NotFound("No such practice answer.")
    await _open_for(session, user, question)
    ctx = await _page_ctx(session, question, version, row.seed)
    try:
        outcome = await service.self_score(session, user, answer_id, form)
    except Invalid as exc:
        outcome = service.Outcome(row, version, None, {}, service.criteria_of(version))
        ctx.update(outcome=outcome, errors=exc.fields, form=form)
        return render(request, PAGE, ctx, block="result", status_code=422)
    ctx.update(outcome=outcome)
    return render(request, PAGE, ctx, block="result")


def _uuid(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None
