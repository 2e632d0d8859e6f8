"""JSON API /api/v1: topics and questions. Reads for signed-in users (candidates see published
questions only, without answers), writes for admins. The write body is the native QuestionDoc."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.auth.dependencies import CurrentAdmin, CurrentUser, admin_only, signed_in
from app.db import DbSession, SessionRoute
from app.errors import AppError, NotFound
from app.kit.ratelimit import limit
from app.kit.readmodel import read_model
from app.questions import curation, repository, service
from app.questions.dependencies import AnyQuestion, ListQuery, VisibleQuestion
from app.questions.models import Question, QuestionVersion
from app.questions.native import QuestionDoc
from app.questions.schemas import (
    ERROR_RESPONSES,
    OptionPublic,
    QuestionAdminRead,
    QuestionPage,
    QuestionPublicRead,
    QuestionSummary,
    StatusRead,
    TopicRead,
    VersionInfo,
)

api = APIRouter(route_class=SessionRoute, prefix="/api/v1", tags=["question bank"], responses=ERROR_RESPONSES)
VersionNumber = Annotated[
    int | None, Query(ge=1, le=100_000, description="a version number; default: current")
]


def summary(row: Any) -> QuestionSummary:
    return read_model(QuestionSummary, row, topic=repository.topic_path_of(row))


def public_read(question: Question, version: QuestionVersion, path: str, name: str) -> QuestionPublicRead:
    """Only what practice mode shows: options without correctness, no answer, no rubric."""
    numeric = (version.data or {}).get("numeric") or {}
    return read_model(
        QuestionPublicRead,
        version,
        id=question.id,
        version=version.number,
        topic=path,
        topic_name=name,
        options=[
            OptionPublic(text=o["text"], text_html=o["text_html"]) for o in version.data.get("options", [])
        ],
        numeric_unit=numeric.get("unit"),
    )


async def admin_read(session: DbSession, question: Question, version: QuestionVersion) -> QuestionAdminRead:
    path, name = await repository.topic_label(session, question.topic_id)
    versions = await repository.list_versions(session, question.id)
    data = version.data or {}
    return QuestionAdminRead.model_validate(
        {
            "id": question.id,
            "external_id": question.external_id,
            "status": question.status,
            "version": version.number,
            "current_version": question.version_count,
            "title": version.title,
            "kind": version.kind,
            "topic": path,
            "topic_name": name,
            "difficulty": version.difficulty,
            "estimated_minutes": version.estimated_minutes,
            "tags": list(version.tags),
            "prompt": version.prompt,
            "prompt_html": version.prompt_html,
            "reference_answer": version.reference_answer,
            "reference_html": version.reference_html,
            "options": data.get("options", []),
            "negative_marks": data.get("negative_marks", False),
            "numeric": data.get("numeric"),
            "rubric": version.rubric or {},
            "follow_ups": version.follow_ups or [],
            "hints_html": data.get("hints_html", []),
            "provenance": version.provenance or {},
            "author_id": version.author_id,
            "created_at": version.created_at,
            "updated_at": question.updated_at,
            "versions": [VersionInfo.model_validate(v, from_attributes=True) for v in versions],
            "document": service.version_to_doc(question, version, path),
        }
    )


@api.get("/topics", dependencies=[Depends(signed_in)])
async def list_topics(session: DbSession) -> list[TopicRead]:
    """Areas and their topics, in display order."""
    tree = await repository.topic_tree(session)
    nodes = [n for a in tree.areas for n in (a, *a.children)]
    return [TopicRead.model_validate(n, from_attributes=True) for n in nodes]


@api.get("/questions", dependencies=[Depends(signed_in), Depends(limit("search"))])
async def list_questions(session: DbSession, user: CurrentUser, params: ListQuery) -> QuestionPage:
    """Search (websearch syntax, stemmed), filter, sort and page; candidates see published questions only."""
    page = await repository.list_questions(session, params, published_only=not user.is_admin)
    return QuestionPage(
        items=[summary(r) for r in page.rows],
        total=page.total,
        page=page.page,
        per_page=page.per_page,
        pages=page.pages,
        capped=page.capped,
    )


@api.get("/questions/{question_id}", dependencies=[Depends(signed_in)])
async def get_question(
    session: DbSession, user: CurrentUser, question: VisibleQuestion, version: VersionNumber = None
) -> QuestionAdminRead | QuestionPublicRead:
    """Admins: any version with everything. Others: the current version of a published question, prompt only."""
    if not user.is_admin and version not in (None, question.version_count):
        raise NotFound("No such version.")
    found = await repository.get_version(session, question, version)
    if found is None:
        raise NotFound("No such version.")
    if user.is_admin:
        return await admin_read(session, question, found)
    path, name = await repository.topic_label(session, question.topic_id)
    return public_read(question, found, path, name)


@api.get("/questions/{question_id}/versions", dependencies=[Depends(admin_only)])
async def list_versions(session: DbSession, question: AnyQuestion) -> list[VersionInfo]:
    return [
        VersionInfo.model_validate(v, from_attributes=True)
        for v in await repository.list_versions(session, question.id)
    ]


@api.post("/questions", dependencies=[Depends(admin_only)], status_code=201)
async def create_question(session: DbSession, user: CurrentAdmin, doc: QuestionDoc) -> QuestionAdminRead:
    """Create a draft question with version 1."""
    question = await curation.create_draft(session, doc, author=user)
    version = await repository.get_version(session, question, None)
    assert version is not None
    return await admin_read(session, question, version)


@api.put("/questions/{question_id}", dependencies=[Depends(admin_only)])
async def update_question(
    session: DbSession,
    user: CurrentAdmin,
    question: AnyQuestion,
    doc: QuestionDoc,
    base_version: Annotated[
        int | None, Query(ge=1, description="409 unless this is still the current version")
    ] = None,
) -> QuestionAdminRead:
    """Save the document as the next version (versions are never changed in place)."""
    await curation.save_version(session, question, doc, author=user, base_version=base_version)
    version = await repository.get_version(session, question, None)
    assert version is not None
    return await admin_read(session, question, version)


async def edit_version_in_place(question_id: str, number: str) -> Response:
    """Refused: versions are immutable. PUT /api/v1/questions/{id} creates the next version."""
    raise AppError(
        "Versions are immutable: a stored version is never changed. "
        f"PUT /api/v1/questions/{question_id} saves your change as a new version.",
        status=405,
    )


for _method in ("PUT", "PATCH"):  # one operation per method (an operation id each)
    api.add_api_route(
        "/questions/{question_id}/versions/{number}",
        edit_version_in_place,
        methods=[_method],
        dependencies=[Depends(admin_only)],
        status_code=405,
        response_model=None,
        operation_id=f"edit_version_in_place_{_method.lower()}",
    )


@api.post("/questions/{question_id}/publish", dependencies=[Depends(admin_only)])
async def publish(session: DbSession, user: CurrentAdmin, question: AnyQuestion) -> StatusRead:
    await curation.set_status(session, question, "published", actor=user)
    return StatusRead(id=question.id, status=question.status, version=question.version_count)


@api.post("/questions/{question_id}/retire", dependencies=[Depends(admin_only)])
async def retire(session: DbSession, user: CurrentAdmin, question: AnyQuestion) -> StatusRead:
    await curation.set_status(session, question, "retired", actor=user)
    return StatusRead(id=question.id, status=question.status, version=question.version_count)
