"""Topic management for admins: create, rename, move, delete when empty."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentAdmin, admin_only
from app.db import DbSession, SessionRoute
from app.errors import AppError, Conflict, Invalid
from app.kit.digits import whole_number
from app.questions import curation, repository
from app.questions.dependencies import TopicDep
from app.questions.models import Topic
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute, prefix="/admin/topics", dependencies=[Depends(admin_only)])
Text = Annotated[str, Form(max_length=300)]


async def _page(
    request: Request,
    session: DbSession,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    focus: int | None = None,
) -> Response:
    tree = await repository.topic_tree(session)
    counts = await repository.question_counts(session)
    ctx = {"tree": tree, "counts": counts, "errors": errors or {}, "focus": focus}
    return render(request, "questions/topics.html", ctx, block="topics", status_code=status)


@router.get("")
async def topics_page(request: Request, session: DbSession) -> Response:
    return await _page(request, session)


@router.post("")
async def create_topic(
    request: Request,
    session: DbSession,
    user: CurrentAdmin,
    name: Text = "",
    slug: Text = "",
    parent_id: Text = "",
) -> Response:
    try:
        parent = whole_number(parent_id)
        await curation.create_topic(session, name=name, slug=slug, parent_id=parent, actor=user)
    except Invalid as exc:
        return await _page(request, session, errors=exc.fields or {"form": exc.message}, status=422)
    return redirect(request, "/admin/topics")


async def _change_row(
    request: Request,
    session: DbSession,
    topic: Topic,
    field: str,
    change: Callable[[], Awaitable[object]],
    *,
    refusal: type[AppError] = Invalid,
) -> Response:
    """One change to a topic's row: back to the list, or (`refusal`) the list again with the message
    at the row's `field` (`name-<id>`, `parent-<id>`, `delete-<id>`) and the row in focus."""
    try:
        await change()
    except refusal as exc:
        errors = {f"{field}-{topic.id}": exc.message}
        return await _page(request, session, errors=errors, status=exc.status, focus=topic.id)
    return redirect(request, "/admin/topics")


@router.post("/{topic_id}/rename")
async def rename_topic(
    request: Request, session: DbSession, user: CurrentAdmin, topic: TopicDep, name: Text = ""
) -> Response:
    rename = lambda: curation.rename_topic(session, topic, name=name, actor=user)  # noqa: E731
    return await _change_row(request, session, topic, "name", rename)


@router.post("/{topic_id}/move")
async def move_topic(
    request: Request, session: DbSession, user: CurrentAdmin, topic: TopicDep, parent_id: Text = ""
) -> Response:
    parent = whole_number(parent_id)  # None (not a number) is refused by move_topic
    move = lambda: curation.move_topic(session, topic, parent_id=parent, actor=user)  # noqa: E731
    return await _change_row(request, session, topic, "parent", move)


@router.post("/{topic_id}/delete")
async def delete_topic(request: Request, session: DbSession, user: CurrentAdmin, topic: TopicDep) -> Response:
    delete = lambda: curation.delete_topic(session, topic, actor=user)  # noqa: E731
    return await _change_row(request, session, topic, "delete", delete, refusal=Conflict)
