"""Anchor answers, written by admins (issue 21): a real answer marked as an anchor, or one written
for a published free-text question, with reference levels per rubric criterion, a reference
recommendation and a short rationale. How anchors reach mentors: app/reviews/anchors.py.

Rules (each refusal is a 422 naming its field):
- the question is published, mentor-graded (not objective) and its current version has a rubric;
- a real answer comes from a finalised, counted attempt's item of that question (its version is
  the one the anchor keeps, so the reference levels match what the candidate answered);
- the format it is presented under is blind: a stand-in attempt has no real candidate name to show;
- a level for every criterion, a recommendation on the six-step scale, a rationale of 10–2000
  characters, an answer of 1–20000 characters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.errors import Conflict, Invalid, NotFound
from app.interviews.models import Answer, Attempt, AttemptItem, InterviewFormat
from app.kit import clock
from app.questions import kinds
from app.questions.models import Question, QuestionVersion
from app.questions.rendering import render_markdown_lenient
from app.reviews import rules, scoring
from app.reviews.anchor_models import Anchor, AnchorPresentation
from app.reviews.models import Review

RATIONALE_MIN, RATIONALE_MAX, ANSWER_MAX = 10, 2000, 20_000


@dataclass
class AnchorInput:
    """What the form or the API sends (levels: one level index per criterion, None = not chosen)."""

    question_id: uuid.UUID | None = None
    item_id: uuid.UUID | None = None
    format_id: uuid.UUID | None = None
    answer_text: str = ""
    levels: list[int | None] = field(default_factory=list)
    recommendation: str = ""
    rationale: str = ""


@dataclass
class Source:
    """The question (and real answer, if any) an anchor is made of, as the form shows it."""

    question: Question
    version: QuestionVersion
    criteria: list[dict[str, Any]]
    item: AttemptItem | None
    answer_text: str
    default_format_id: uuid.UUID | None


async def source(
    session: AsyncSession, *, question_id: uuid.UUID | None, item_id: uuid.UUID | None
) -> Source:
    """Load what the anchor is about; 404 when the question or answer does not exist, 422 when unfit."""
    item: AttemptItem | None = None
    answer_text = ""
    default_format: uuid.UUID | None = None
    if item_id is not None:
        row = (
            await session.execute(
                select(AttemptItem, Attempt, Answer)
                .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                .outerjoin(Answer, Answer.item_id == AttemptItem.id)
                .where(AttemptItem.id == item_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such answer.")
        item, attempt, answer = row
        if attempt.state == "in_progress" or not attempt.counted:
            raise Invalid(
                "Only an answer from a finalised attempt can be an anchor.",
                fields={"item_id": "Not finalised."},
            )
        if question_id is not None and question_id != item.question_id:
            raise Invalid("The answer is to another question.", fields={"item_id": "Another question."})
        question_id = item.question_id
        answer_text = str((answer.value if answer else {}).get("text") or "")
        fmt = await session.get(InterviewFormat, attempt.format_id)
        default_format = fmt.id if fmt is not None and fmt.blind_review else None
    if question_id is None:
        raise Invalid("Choose a question.", fields={"question_id": "Choose a question."})
    question = await session.get(Question, question_id)
    if question is None:
        raise NotFound("No such question.")
    version_id = item.version_id if item is not None else question.current_version_id
    version = await session.get(QuestionVersion, version_id) if version_id else None
    if question.status != "published" or version is None:
        raise Invalid("Anchors are drawn from published questions.", fields={"question_id": "Not published."})
    if kinds.get(version.kind).objective:
        raise Invalid(
            "Anchors are answers that mentors score on a rubric (free text).",
            fields={"question_id": "Not mentor-graded."},
        )
    criteria = list(rules.effective_rubric(version.rubric).get("criteria", []))
    return Source(question, version, criteria, item, answer_text, default_format)


async def free_text_questions(session: AsyncSession, *, limit: int = 500) -> list[Any]:
    """Published mentor-graded questions (id, title) for the "write an anchor" picker."""
    stmt = (
        select(Question.id, QuestionVersion.title)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.status == "published", QuestionVersion.kind.in_(kinds.mentor_graded()))
        .order_by(QuestionVersion.title)
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())


async def blind_formats(session: AsyncSession) -> list[InterviewFormat]:
    stmt = select(InterviewFormat).where(InterviewFormat.blind_review).order_by(InterviewFormat.title)
    return list((await session.execute(stmt)).scalars())


def check(data: AnchorInput, src: Source, fmt: InterviewFormat | None) -> dict[str, str]:
    """Field → message for every invalid field (empty: valid)."""
    errors: dict[str, str] = {}
    if fmt is None:
        errors["format_id"] = "Choose the format it is presented under."
    elif not fmt.blind_review:
        errors["format_id"] = "Choose a blind format: a stand-in attempt has no real candidate name to show."
    text = data.answer_text.strip()
    if not text:
        errors["answer_text"] = "Write the answer (or keep the candidate’s)."
    elif len(data.answer_text) > ANSWER_MAX:
        errors["answer_text"] = f"At most {ANSWER_MAX} characters."
    levels = list(data.levels) + [None] * (len(src.criteria) - len(data.levels))
    for c, crit in enumerate(src.criteria):
        level = levels[c]
        if level is None or not 0 <= level < len(crit["levels"]):
            errors[f"level-{c}"] = f"Choose the reference level for “{crit['name']}”."
    if len(data.levels) > len(src.criteria):
        errors["levels"] = f"The rubric has {len(src.criteria)} criteria."
    if data.recommendation not in scoring.RECOMMENDATIONS:
        errors["recommendation"] = "Choose the reference recommendation."
    rationale = data.rationale.strip()
    if len(rationale) < RATIONALE_MIN:
        errors["rationale"] = f"Explain the reference scores in at least {RATIONALE_MIN} characters."
    elif len(rationale) > RATIONALE_MAX:
        errors["rationale"] = f"At most {RATIONALE_MAX} characters: a short rationale."
    return errors


async def create_anchor(session: AsyncSession, admin: User, data: AnchorInput) -> Anchor:
    """Validate and store an anchor (422 with every invalid field)."""
    src = await source(session, question_id=data.question_id, item_id=data.item_id)
    fmt = await session.get(InterviewFormat, data.format_id) if data.format_id else None
    errors = check(data, src, fmt)
    if errors:
        raise Invalid("The anchor is not complete: see the marked fields.", fields=errors)
    assert fmt is not None
    anchor = Anchor(
        question_id=src.question.id,
        version_id=src.version.id,
        format_id=fmt.id,
        source_item_id=src.item.id if src.item else None,
        answer_text=data.answer_text.strip(),
        time_spent_seconds=src.item.time_spent_seconds if src.item else _writing_time(data.answer_text),
        reference_levels=[int(lv) for lv in data.levels[: len(src.criteria)] if lv is not None],
        reference_recommendation=data.recommendation,
        rationale=data.rationale.strip(),
        rationale_html=render_markdown_lenient(data.rationale.strip()),
        created_by=admin.id,
        created_at=clock.now(),
    )
    if src.item is not None and await _active_anchor_of(session, src.item.id) is not None:
        raise Conflict(ALREADY)
    if src.item is None and await _same_written_anchor(session, anchor):
        raise Conflict(ALREADY)
    try:
        async with session.begin_nested():  # a concurrent submit: the unique index decides
            session.add(anchor)
            await session.flush()
    except IntegrityError as exc:
        if "uq_anchor_source_item_active" not in str(exc.orig):
            raise
        raise Conflict(ALREADY) from None
    return anchor


ALREADY = "This answer is already an anchor (see the list of anchors); retire that one to mark it again."


async def _active_anchor_of(session: AsyncSession, item_id: uuid.UUID) -> uuid.UUID | None:
    stmt = select(Anchor.id).where(Anchor.source_item_id == item_id, Anchor.active)
    return (await session.execute(stmt)).scalar()


async def _same_written_anchor(session: AsyncSession, anchor: Anchor) -> bool:
    """Whether this written anchor is already active: the same answer with the same reference
    scores for the same version and format (a double click on Save, the form sent from two tabs).

    Concurrent submits of one answer are serialised by a transaction-scoped advisory lock keyed by
    version and text, so the second one's check runs after the first has committed and sees it.
    (No unique index: a real answer's anchor becomes "written" when its attempt is deleted, and
    that must never fail on an index.)"""
    key = f"anchor:{anchor.version_id}:{anchor.answer_text}"
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
    stmt = select(Anchor.id).where(
        Anchor.version_id == anchor.version_id,
        Anchor.format_id == anchor.format_id,
        Anchor.source_item_id.is_(None),
        Anchor.active,
        Anchor.answer_text == anchor.answer_text,
        Anchor.reference_levels == anchor.reference_levels,
        Anchor.reference_recommendation == anchor.reference_recommendation,
    )
    return (await session.execute(stmt.limit(1))).scalar() is not None


def _writing_time(text: str) -> float:
    """A written anchor's plausible time on the question (the review page shows one): ~25 words/min."""
    return max(120.0, len(text.split()) / 25 * 60)


async def retire_anchor(session: AsyncSession, anchor_id: uuid.UUID) -> Anchor:
    """No new presentations of this anchor (those already made stay, with their reviews)."""
    anchor = await session.get(Anchor, anchor_id)
    if anchor is None:
        raise NotFound("No such anchor.")
    anchor.active = False
    await session.flush()
    return anchor


@dataclass
class AnchorRow:
    anchor: Anchor
    question_title: str
    format_title: str
    presented: int
    reviewed: int


async def list_anchors(session: AsyncSession) -> list[AnchorRow]:
    presented = (
        select(AnchorPresentation.anchor_id, func.count().label("n"))
        .group_by(AnchorPresentation.anchor_id)
        .subquery()
    )
    reviewed = (
        select(AnchorPresentation.anchor_id, func.count().label("n"))
        .join(Review, Review.attempt_id == AnchorPresentation.attempt_id)
        .where(Review.status == "submitted")
        .group_by(AnchorPresentation.anchor_id)
        .subquery()
    )
    stmt = (
        select(Anchor, QuestionVersion.title, InterviewFormat.title, presented.c.n, reviewed.c.n)
        .join(QuestionVersion, QuestionVersion.id == Anchor.version_id)
        .join(InterviewFormat, InterviewFormat.id == Anchor.format_id)
        .outerjoin(presented, presented.c.anchor_id == Anchor.id)
        .outerjoin(reviewed, reviewed.c.anchor_id == Anchor.id)
        .order_by(Anchor.created_at.desc())
    )
    return [AnchorRow(r[0], r[1], r[2], r[3] or 0, r[4] or 0) for r in (await session.execute(stmt)).all()]
