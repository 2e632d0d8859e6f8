"""An interviewer's private notes on a live attempt (issue 20 "shared notes"): autosaved during the
session with the answers' compare-and-swap protocol (app/interviews/text_save.py), shown to their
author on the review page of that attempt, and prefilling the author's review draft while it has
never been saved (a draft already written is never overwritten).

Who may write them is decided by the live domain (only the session's mentor, app/live/ladder.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.interviews import text_save
from app.interviews.models import LivePrompt
from app.reviews.models import InterviewerNote, Review
from app.reviews.schemas import ItemDraft, ReviewDraft

MAX_NOTES_CHARS = 20_000


def parse(payload: dict[str, Any]) -> text_save.TextIn:
    return text_save.parse(payload, max_chars=MAX_NOTES_CHARS, what="notes")


async def save(
    session: AsyncSession, *, attempt_id: uuid.UUID, mentor_id: uuid.UUID, save: text_save.TextIn
) -> dict[str, Any]:
    """Compare-and-swap: store the notes iff the stored revision is the save's base; a retry (same
    save id) gets its original's outcome, never 409. The reply is the autosave's 200 body."""
    await session.execute(
        insert(InterviewerNote)
        .values(attempt_id=attempt_id, mentor_id=mentor_id, text="", revision=0, recent_saves={})
        .on_conflict_do_nothing()
    )
    note = await text_save.locked(
        session,
        InterviewerNote,
        InterviewerNote.attempt_id == attempt_id,
        InterviewerNote.mentor_id == mentor_id,
    )
    assert note is not None
    status, revision = await text_save.store(
        session, note, "text", save, stale_message=text_save.NOTES_CHANGED
    )
    return {
        "status": status,
        "revision": revision,
        "save_id": save.save_id if status == "saved" else note.save_id,
        "saved_at": _iso(note.saved_at),
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


async def notes_of(
    session: AsyncSession, attempt_id: uuid.UUID, mentor_id: uuid.UUID
) -> InterviewerNote | None:
    return await session.get(InterviewerNote, (attempt_id, mentor_id))


def prefilled(
    review: Review, draft: ReviewDraft, note: InterviewerNote | None, prompts: list[LivePrompt]
) -> ReviewDraft:
    """The draft a review page starts from: a draft never saved (revision 0) takes the interviewer's
    notes as its private note and ticks the scripted follow-ups asked and hints given during the
    live session; a saved draft is shown as it is."""
    if review.revision or review.status != "claimed":
        return draft
    items = {k: v.model_copy(deep=True) for k, v in draft.items.items()}
    for p in prompts:
        if p.ref is None:
            continue
        d = items.setdefault(p.item_id, ItemDraft())
        chosen = d.hints if p.kind == "hint" else d.follow_ups
        if p.ref not in chosen:
            chosen.append(p.ref)
    private_note = draft.private_note or (note.text if note is not None else "")
    return draft.model_copy(update={"items": items, "private_note": private_note})
