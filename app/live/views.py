"""What the mentor's live page shows, built from one query's rows (the attempt's pinned items)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.interviews import deadlines
from app.interviews import repository as interview_repository
from app.interviews.models import Attempt
from app.kit import clock
from app.questions import kinds
from app.reviews.rules import effective_rubric


def answer_text(value: dict[str, Any] | None) -> str:
    """An answer as the mentor reads it (the live page's script does the same for each event)."""
    if not value:
        return ""
    if isinstance(value.get("text"), str):
        return str(value["text"])
    if "number" in value:
        return str(value["number"])
    if isinstance(value.get("choice"), int):
        return f"Option {value['choice'] + 1}"
    if isinstance(value.get("choices"), list):
        return (
            "Options " + ", ".join(str(int(i) + 1) for i in value["choices"])
            if value["choices"]
            else "No option"
        )
    return ", ".join(f"{k}: {v}" for k, v in value.items())


@dataclass(frozen=True)
class LiveItem:
    id: uuid.UUID
    position: int
    kind: str
    title: str
    prompt_html: str
    reference_html: str
    rubric: dict[str, Any] | None  # mentor-graded kinds only
    options_html: list[str]
    answer: str
    revision: int
    saved_at: datetime | None
    time_spent_seconds: float
    question_id: uuid.UUID
    version_data: dict[str, Any]


@dataclass(frozen=True)
class LiveAttempt:
    id: uuid.UUID
    state: str
    deadline_at: datetime
    remaining_seconds: float
    items: list[LiveItem]


async def live_attempt(session: AsyncSession, attempt: Attempt) -> LiveAttempt:
    """The attempt as its mentor watches it: each item with the latest saved answer, the reference
    answer and rubric beside it, and the time the candidate has spent on it."""
    items = []
    for item, version, answer in await interview_repository.items_with_versions(session, attempt.id):
        kind = kinds.get(item.kind)
        data = version.data
        items.append(
            LiveItem(
                id=item.id,
                position=item.position,
                kind=item.kind,
                title=version.title,
                prompt_html=kind.prompt_html(version.prompt_html, data, seed=item.seed),
                reference_html=version.reference_html or "",
                rubric=None if kind.objective else effective_rubric(version.rubric),
                options_html=[o.get("text_html") or "" for o in data.get("options") or []],
                answer=answer_text(answer.value if answer else None),
                revision=answer.revision if answer else 0,
                saved_at=answer.saved_at if answer else None,
                time_spent_seconds=item.time_spent_seconds,
                question_id=item.question_id,
                version_data=data,
            )
        )
    running = attempt.state == "in_progress"
    return LiveAttempt(
        id=attempt.id,
        state=attempt.state,
        deadline_at=attempt.deadline_at,
        remaining_seconds=deadlines.remaining_seconds(clock.now(), attempt.deadline_at) if running else 0.0,
        items=items,
    )
