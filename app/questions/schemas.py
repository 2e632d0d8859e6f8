"""Pydantic models for the question bank: list filters, API reads, and the curation form.

The request body for create/update is `app.questions.native.QuestionDoc`; what candidates
may read (`QuestionPublicRead`) is a separate model that has no field for answers, rubric
or correctness, so nothing can leak through it by accident.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from app.questions.native import Kind, Misconception, NumericAnswer, Provenance, QuestionDoc

Status = Literal["draft", "published", "retired"]
Sort = Literal["relevance", "updated", "difficulty", "title", "topic"]
SORTS: tuple[str, ...] = ("relevance", "updated", "difficulty", "title")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


def _clean_query(value: Any) -> Any:
    # Postgres refuses NUL in text; other control characters mean nothing in a search.
    return _CONTROL.sub(" ", value).strip() if isinstance(value, str) else value


Optional = BeforeValidator(_blank_none)


class ListParams(BaseModel):
    """Search, filters, sort and page of the question list (query string of page and API)."""

    model_config = ConfigDict(extra="ignore")

    q: Annotated[str, BeforeValidator(_clean_query), StringConstraints(max_length=200)] = ""
    topic: Annotated[Annotated[int, Field(ge=1, le=2**31 - 1)] | None, Optional] = None
    tag: Annotated[Annotated[str, StringConstraints(max_length=63)] | None, Optional] = None
    difficulty: Annotated[Annotated[int, Field(ge=1, le=3)] | None, Optional] = None
    kind: Annotated[Kind | None, Optional] = None
    status: Annotated[Status | None, Optional] = None
    sort: Annotated[Sort | None, Optional] = None
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=200)

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.q:
            return "updated"
        return self.sort or ("relevance" if self.q else "updated")

    def query_string(self, **override: Any) -> str:
        """The query string for this list with some values replaced (pagination links)."""
        from urllib.parse import urlencode

        values = self.model_dump(mode="json") | override
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


# --- API reads ---------------------------------------------------------------------------


class TopicRead(BaseModel):
    id: int
    parent_id: int | None
    slug: str
    name: str
    path: str = Field(description="`area` for an area, `area/topic` for a topic")
    description: str
    position: int


class QuestionSummary(BaseModel):
    id: uuid.UUID
    title: str
    kind: Kind
    difficulty: int
    estimated_minutes: int
    tags: list[str]
    status: Status
    version: int
    topic_id: int
    topic: str = Field(description="topic path `area/topic`")
    topic_name: str
    updated_at: datetime


class QuestionPage(BaseModel):
    items: list[QuestionSummary]
    total: int
    page: int
    per_page: int
    pages: int
    # a search ranked by relevance counts at most 1000 matches: true when there are more
    capped: bool = False


class OptionPublic(BaseModel):
    text: str
    text_html: str


class QuestionHead(BaseModel):
    """One version of a question as everyone may see it: what it asks, without options or keys."""

    id: uuid.UUID
    version: int
    title: str
    kind: Kind
    topic: str
    topic_name: str
    difficulty: int
    estimated_minutes: int
    tags: list[str]
    prompt: str
    prompt_html: str


class QuestionPublicRead(QuestionHead):
    """What a candidate sees in practice mode: the prompt and options, never answers or rubric."""

    options: list[OptionPublic]
    numeric_unit: str | None = None


class OptionRead(BaseModel):
    text: str
    text_html: str
    correct: bool
    weight: float | None = None
    feedback: str = ""
    feedback_html: str = ""


class LevelRead(BaseModel):
    points: float
    descriptor: str
    descriptor_html: str = ""


class CriterionRead(BaseModel):
    name: str
    points: float
    levels: list[LevelRead]


class RubricRead(BaseModel):
    criteria: list[CriterionRead] = []
    key_points: list[str] = []
    key_points_html: list[str] = []
    misconceptions: list[Misconception] = []
    notes: str = ""


class FollowUpRead(BaseModel):
    question: str
    expected_answer: str = ""
    question_html: str = ""
    expected_answer_html: str = ""


class VersionInfo(BaseModel):
    number: int
    title: str
    content_hash: str
    author_id: uuid.UUID | None
    created_at: datetime


class QuestionAdminRead(QuestionHead):
    """Everything about one version of a question (admins only)."""

    external_id: str | None
    status: Status
    current_version: int
    reference_answer: str
    reference_html: str
    options: list[OptionRead]
    negative_marks: bool
    numeric: NumericAnswer | None
    rubric: RubricRead
    follow_ups: list[FollowUpRead]
    hints_html: list[str]
    provenance: Provenance
    author_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    versions: list[VersionInfo]
    document: QuestionDoc = Field(description="this version as a native document (the body PUT takes)")


class StatusRead(BaseModel):
    id: uuid.UUID
    status: Status
    version: int


class ErrorRead(BaseModel):
    error: str
    fields: dict[str, str] = {}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorRead} for code in (401, 403, 404, 409, 422)
}
