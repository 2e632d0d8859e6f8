"""Annotations: a mentor highlights a span of the candidate's free-text answer and comments on it,
while their review is open. The span is stored as code-point offsets into the stored answer text
(with the answer's revision, the exact text the candidate submitted); app/reviews/annotation_marks.py
validates and renders it. The candidate sees the annotations of submitted reviews with the feedback.
Flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.errors import Conflict, Invalid, NotFound
from app.interviews.models import Answer, AttemptItem
from app.kit import clock
from app.questions import kinds
from app.reviews import annotation_marks as marks
from app.reviews import claims
from app.reviews.lifecycle import ReviewStatus
from app.reviews.models import Review, ReviewAnnotation

PER_ITEM_MAX = 100


@dataclass(frozen=True)
class SpanForm:
    """What the annotate form posts: offsets (in `unit`) filled by the script, or only the quote."""

    start: int | None
    end: int | None
    quote: str
    comment: str
    unit: str = "code_points"  # or "utf16": a browser selection's offsets


async def _answer(session: AsyncSession, attempt_id: uuid.UUID, item_id: uuid.UUID) -> tuple[Answer, str]:
    stmt = (
        select(AttemptItem, Answer)
        .outerjoin(Answer, Answer.item_id == AttemptItem.id)
        .where(AttemptItem.id == item_id, AttemptItem.attempt_id == attempt_id)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound("No such question in this attempt.")
    item, answer = row
    if kinds.get(item.kind).objective:
        raise Invalid("Only free-text answers can be annotated.", fields={"annotation": "Free text only."})
    text = str((answer.value if answer else {}).get("text") or "")
    if answer is None or not text:
        raise Invalid("There is no answer to annotate.", fields={"annotation": "No answer."})
    return answer, text


def _span(text: str, form: SpanForm) -> tuple[int, int]:
    start, end = form.start, form.end
    try:
        if form.unit == "utf16":
            start = None if start is None else marks.utf16_to_code_points(text, start)
            end = None if end is None else marks.utf16_to_code_points(text, end)
        elif form.unit != "code_points":
            raise marks.SpanError("Unknown offset unit.")
        return marks.resolve(text, start, end, form.quote)
    except marks.SpanError as err:
        raise Invalid(str(err), fields={"annotation": str(err)}) from err


async def _lock_open(session: AsyncSession, review_id: uuid.UUID) -> None:
    """Hold the review row until this change commits, and refuse once it is submitted. Reading the
    status without the lock let an annotation added (or deleted) in a second tab land just after
    the submit committed: a change to a review the candidate already reads. The submit's own
    UPDATE of the row now waits for this transaction, or this one sees `submitted`."""
    status = (
        await session.execute(
            select(Review.status).where(Review.id == review_id).with_for_update(key_share=True)
        )
    ).scalar()
    if status != ReviewStatus.claimed:
        raise Conflict("This review is submitted: its annotations can no longer change.", reason="closed")


async def add(
    session: AsyncSession, mentor: User, review_id: uuid.UUID, item_id: uuid.UUID, form: SpanForm
) -> ReviewAnnotation:
    """Attach a comment to a span of the answer (the mentor's own open review only)."""
    _, attempt, _ = await claims.own_review(session, mentor, review_id)
    await _lock_open(session, review_id)
    answer, text = await _answer(session, attempt.id, item_id)
    start, end = _span(text, form)
    comment = form.comment.strip()
    if not comment:
        raise Invalid("Write a comment for the highlighted text.", fields={"comment": "Write a comment."})
    if len(comment) > marks.COMMENT_MAX:
        raise Invalid(
            "The comment is too long.", fields={"comment": f"At most {marks.COMMENT_MAX} characters."}
        )
    count = await session.execute(
        select(func.count()).where(
            ReviewAnnotation.review_id == review_id, ReviewAnnotation.item_id == item_id
        )
    )
    if count.scalar_one() >= PER_ITEM_MAX:
        raise Invalid(f"At most {PER_ITEM_MAX} annotations per answer.", fields={"annotation": "Too many."})
    row = ReviewAnnotation(
        review_id=review_id,
        item_id=item_id,
        answer_revision=answer.revision,
        start_offset=start,
        end_offset=end,
        quote=text[start:end],
        comment=comment,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return row


async def remove(session: AsyncSession, mentor: User, review_id: uuid.UUID, annotation_id: uuid.UUID) -> None:
    """Delete one of the mentor's annotations while the review is open."""
    await claims.own_review(session, mentor, review_id)
    await _lock_open(session, review_id)
    done = await session.execute(
        delete(ReviewAnnotation)
        .where(ReviewAnnotation.id == annotation_id, ReviewAnnotation.review_id == review_id)
        .returning(ReviewAnnotation.id)
    )
    if done.scalar() is None:
        raise NotFound("No such annotation.")


async def of_reviews(session: AsyncSession, review_ids: Sequence[uuid.UUID]) -> list[ReviewAnnotation]:
    if not review_ids:
        return []
    stmt = (
        select(ReviewAnnotation)
        .where(ReviewAnnotation.review_id.in_(review_ids))
        .order_by(ReviewAnnotation.start_offset, ReviewAnnotation.end_offset, ReviewAnnotation.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def submitted_of_attempt(session: AsyncSession, attempt_id: uuid.UUID) -> list[ReviewAnnotation]:
    """The annotations of the attempt's submitted reviews (what the candidate and adjudicators see)."""
    stmt = (
        select(ReviewAnnotation)
        .join(Review, Review.id == ReviewAnnotation.review_id)
        .where(Review.attempt_id == attempt_id, Review.status == ReviewStatus.submitted.value)
        .order_by(ReviewAnnotation.start_offset, ReviewAnnotation.end_offset, ReviewAnnotation.created_at)
    )
    return list((await session.execute(stmt)).scalars())


def annotated(
    text: str, rows: Sequence[ReviewAnnotation], labels: dict[uuid.UUID, str], *, prefix: str
) -> dict[str, Any]:
    """One answer's marks and notes for a template: `html` (the escaped answer with <mark>s) and
    `notes` (number, anchor, who, quote, comment, id) in reading order."""
    notes = [
        marks.Note(number=i, anchor=f"{prefix}-note-{i}", start=r.start_offset, end=r.end_offset)
        for i, r in enumerate(rows, start=1)
    ]
    listed = [
        {"note": n, "label": labels.get(r.review_id, ""), "quote": r.quote, "comment": r.comment, "id": r.id}
        for n, r in zip(notes, rows, strict=True)
    ]
    html: Markup = marks.render(text, notes)
    return {"text": text, "html": html, "notes": listed}


def by_item(rows: Sequence[ReviewAnnotation]) -> dict[uuid.UUID, list[ReviewAnnotation]]:
    out: dict[uuid.UUID, list[ReviewAnnotation]] = {}
    for r in rows:
        out.setdefault(r.item_id, []).append(r)
    return out
