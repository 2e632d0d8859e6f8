"""Question bank pages: practice (signed-in users) and curation (admins). Thin routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.auth.dependencies import CurrentAdmin, admin_only, signed_in
from app.db import DbSession, SessionRoute, read_only
from app.errors import Conflict, Invalid, NotFound
from app.kit.digits import whole_number
from app.kit.ratelimit import limit
from app.questions import curation, kinds, repository, service
from app.questions.dependencies import AnyQuestion, ListQuery, VisibleQuestion
from app.questions.diff import diff_documents
from app.questions.forms import (
    apply_action,
    editor_state,
    field_errors,
    label_for,
    parse_document,
    raw_from_document,
    unflatten,
)
from app.questions.models import Question
from app.questions.rendering import RenderError, markdown_filter, render_markdown
from app.questions.schemas import SORTS
from app.web.templating import redirect, render, render_block, templates, wants_fragment

router = APIRouter(route_class=SessionRoute)
admin = APIRouter(route_class=SessionRoute, prefix="/admin/questions", dependencies=[Depends(admin_only)])
templates.env.globals["field_label"] = label_for
# `text|markdown` in any template (answers, comments, descriptions): questions owns the renderer
templates.env.filters["markdown"] = markdown_filter
# `question_kind(name)` in any template: the kind's macros (`.template`), `.label`, `.objective`
templates.env.globals["question_kind"] = kinds.get
# the editor shows each kind template's fields once (both choice kinds share one)
templates.env.globals["kind_templates"] = list(dict.fromkeys(k.template for k in kinds.all()))
KINDS = [(k.name, k.label) for k in kinds.all()]


def topic_options(tree: repository.TopicTree, selected: int | None) -> Markup:
    """The list filter's topic options with `selected` chosen, rendered once per tree and choice
    and kept with the tree (which is shared while the topics do not change): ~9,000 of a full
    list page's Python bytecodes. A topic not in the tree renders as no choice (the cache stays
    bounded by the tree's size)."""
    key = ("topic_options", selected if selected in tree.by_id else None)
    html: Markup | None = tree.rendered.get(key)
    if html is None:
        macros = templates.env.get_template("questions/_topic_options.html").module
        html = tree.rendered[key] = macros.topic_options(tree, key[1])  # type: ignore[attr-defined]
    return html


templates.env.globals["topic_options"] = topic_options


# --- practice (any signed-in user) -------------------------------------------------------------


@router.get("/questions", dependencies=[Depends(signed_in), Depends(limit("search"))])
@read_only
async def practice_list(request: Request, session: DbSession, params: ListQuery) -> Response:
    if params.sort is None and not params.q:
        params = params.model_copy(update={"sort": "topic"})
    page = await repository.list_questions(session, params, published_only=True)
    # search-as-you-type renders only the results: it needs no topic list (one query, not two)
    tree = None if wants_fragment(request) else await repository.topic_tree(session)
    # in topic order a section per topic (in the order the list meets them), its rows in the
    # list's order; a search (or another sort) keeps its own order as one list, each row naming
    # its topic. Two topics tied on every sort key interleave by title: still one section each.
    sections = None
    if params.effective_sort == "topic":
        by_topic: dict[int, list[Any]] = {}
        for row in page.rows:
            by_topic.setdefault(row.topic_id, []).append(row)
        sections = list(by_topic.values())
    ctx = {"page": page, "params": params, "tree": tree, "kinds": KINDS, "sections": sections}
    return render(request, "questions/practice.html", ctx, block="results")


@router.get("/questions/{question_id}", dependencies=[Depends(signed_in)])
async def practice_question(request: Request, session: DbSession, question: VisibleQuestion) -> Response:
    version = await repository.get_version(session, question, None)
    _, topic_name = await repository.topic_label(session, question.topic_id)
    ctx = {"question": question, "version": version, "topic_name": topic_name}
    return render(request, "questions/question.html", ctx)


# --- curation list and views (admins) ---------------------------------------------------------


@admin.get("", dependencies=[Depends(limit("search"))])
@read_only
async def bank_list(request: Request, session: DbSession, params: ListQuery) -> Response:
    page = await repository.list_questions(session, params, published_only=False)
    # A partial (search-as-you-type) only renders the results: it needs no topic list.
    tree = None if wants_fragment(request) else await repository.topic_tree(session)
    ctx = {"page": page, "params": params, "tree": tree, "kinds": KINDS, "sorts": SORTS}
    return render(request, "questions/bank.html", ctx, block="results")


@admin.get("/new")
async def new_question(request: Request, session: DbSession) -> Response:
    raw: dict[str, Any] = {"kind": "free_text", "difficulty": "2", "estimated_minutes": "5"}
    return await _editor(request, session, raw, question=None)


@admin.post("/preview", dependencies=[Depends(limit("preview"))])
async def preview(request: Request) -> Response:
    _, raw, _ = await _read_form(request)
    rendered, errors = _preview(raw)
    ctx = {"preview": rendered, "preview_errors": errors}
    # Always the fragment: the preview is only ever requested by the editor's htmx.
    return render_block(request, "questions/editor.html", "preview", ctx, status_code=422 if errors else 200)


@admin.get("/{question_id}")
async def admin_question(
    request: Request, session: DbSession, question: AnyQuestion, v: int | None = None
) -> Response:
    version = await repository.get_version(session, question, v)
    if version is None:
        raise NotFound(f"This question has no version {v}.")
    versions = await repository.list_versions(session, question.id)
    path, topic_name = await repository.topic_label(session, question.topic_id)
    ctx = {"question": question, "version": version, "versions": versions, "topic_name": topic_name}
    return render(request, "questions/admin_question.html", ctx | {"topic_path": path})


@admin.get("/{question_id}/versions")
async def history(
    request: Request, session: DbSession, question: AnyQuestion, a: int | None = None, b: int | None = None
) -> Response:
    versions = await repository.list_versions(session, question.id)
    by_number = {ver.number: ver for ver in versions}
    b = b if b in by_number else versions[0].number
    a = a if a in by_number else max(1, b - 1)
    path, _ = await repository.topic_label(session, question.topic_id)
    old, new = (service.version_to_doc(question, by_number[n], path) for n in (a, b))
    ctx = {"question": question, "versions": versions, "a": a, "b": b, "diff": diff_documents(old, new)}
    return render(request, "questions/history.html", ctx, block="diff")


# --- editor ------------------------------------------------------------------------------------


async def _editor(
    request: Request,
    session: DbSession,
    raw: dict[str, Any],
    *,
    question: Question | None,
    base_version: int | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    preview: dict[str, Any] | None = None,
    preview_errors: dict[str, str] | None = None,
) -> Response:
    if preview is None:
        preview, preview_errors = _preview(raw)
    ctx = {
        "form": editor_state(raw),
        "errors": errors or {},
        "tree": await repository.topic_tree(session),
        "kinds": KINDS,
        "question": question,
        "base_version": base_version,
        "preview": preview,
        "preview_errors": preview_errors or {},
        "action_url": f"/admin/questions/{question.id}" if question else "/admin/questions",
    }
    return render(request, "questions/editor.html", ctx, block="editor_form", status_code=status)


def _preview(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The prompt and reference answer rendered as they would be stored; errors name the formula."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("prompt", "reference_answer"):
        text = raw.get(name)
        try:
            out[name] = render_markdown(text if isinstance(text, str) else "")
        except RenderError as err:
            errors[name] = err.message
    return out, errors


async def _read_form(request: Request) -> tuple[FormData, dict[str, Any], str]:
    form = await request.form()
    action = form.get("action")
    return form, unflatten(form.multi_items()), action if isinstance(action, str) else "save"


@admin.post("")
async def create(request: Request, session: DbSession, user: CurrentAdmin) -> Response:
    _, raw, action = await _read_form(request)
    if action != "save":
        return await _after_action(request, session, raw, action, question=None, base_version=None)
    try:
        question = await curation.create_draft(session, parse_document(raw), author=user)
    except ValidationError as exc:
        return await _editor(request, session, raw, question=None, errors=field_errors(exc), status=422)
    except Invalid as exc:
        return await _editor(request, session, raw, question=None, errors=_fields(exc), status=422)
    return redirect(request, f"/admin/questions/{question.id}")


async def _after_action(
    request: Request,
    session: DbSession,
    raw: dict[str, Any],
    action: str,
    *,
    question: Question | None,
    base_version: int | None,
) -> Response:
    if action == "preview":
        shown, errors = _preview(raw)
        return await _editor(
            request,
            session,
            raw,
            question=question,
            base_version=base_version,
            preview=shown,
            preview_errors=errors,
        )
    if not apply_action(raw, action):
        raise Invalid("That form button is not understood.")
    return await _editor(request, session, raw, question=question, base_version=base_version)


def _fields(exc: Invalid) -> dict[str, str]:
    return exc.fields or {"form": exc.message}


@admin.get("/{question_id}/edit")
async def edit(request: Request, session: DbSession, question: AnyQuestion) -> Response:
    version = await repository.get_version(session, question, None)
    assert version is not None
    path, _ = await repository.topic_label(session, question.topic_id)
    raw = raw_from_document(service.version_to_doc(question, version, path))
    return await _editor(request, session, raw, question=question, base_version=version.number)


@admin.post("/{question_id}")
async def save(request: Request, session: DbSession, user: CurrentAdmin, question: AnyQuestion) -> Response:
    form, raw, action = await _read_form(request)
    base = form.get("base_version")
    base_version = whole_number(base)
    if action != "save":
        return await _after_action(
            request, session, raw, action, question=question, base_version=base_version
        )
    try:
        doc = parse_document(raw)
        await curation.save_version(session, question, doc, author=user, base_version=base_version)
    except ValidationError as exc:
        errors, status = field_errors(exc), 422
    except (Invalid, Conflict) as exc:
        errors, status = {"form": exc.message, **exc.fields}, exc.status
    else:
        return redirect(request, f"/admin/questions/{question.id}")
    return await _editor(
        request, session, raw, question=question, base_version=base_version, errors=errors, status=status
    )


# --- status changes ------------------------------------------------------------------------------


@admin.post("/{question_id}/publish")
async def publish(
    request: Request, session: DbSession, user: CurrentAdmin, question: AnyQuestion
) -> Response:
    await curation.set_status(session, question, "published", actor=user)
    return redirect(request, f"/admin/questions/{question.id}")


@admin.post("/{question_id}/retire")
async def retire(request: Request, session: DbSession, user: CurrentAdmin, question: AnyQuestion) -> Response:
    await curation.set_status(session, question, "retired", actor=user)
    return redirect(request, f"/admin/questions/{question.id}")


@admin.post("/{question_id}/duplicate")
async def duplicate(
    request: Request, session: DbSession, user: CurrentAdmin, question: AnyQuestion
) -> Response:
    copy = await curation.duplicate(session, question, author=user)
    return redirect(request, f"/admin/questions/{copy.id}/edit")
