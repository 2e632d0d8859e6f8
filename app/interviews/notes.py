"""The candidate's own marks on an attempt: "flag for review" per question and the private
scratchpad (autosaved with the answers' compare-and-swap protocol, shared with reviewers only
when the candidate says so)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Invalid, NotFound
from app.interviews import deadlines, text_save
from app.interviews.models import Attempt, AttemptItem, AttemptScratchpad
from app.interviews.save_outcome import AttemptClosed, SaveOutcome
from app.kit import clock

MAX_NOTES_CHARS = 20_000


async def lock_open(session: AsyncSession, attempt_id: uuid.UUID, message: str) -> Attempt:
    """The attempt, share-locked (a finalising update waits for this transaction), still open."""
    attempt = (
        await session.execute(
            select(Attempt)
            .where(Attempt.id == attempt_id)
            .with_for_update(read=True)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    now = clock.now()
    if attempt.state != "in_progress" or (
        deadlines.phase(now, attempt.deadline_at, attempt.expiry_mode, attempt.grace_seconds) != "open"
    ):
        raise AttemptClosed(message)
    return attempt


async def _ensure_pad(session: AsyncSession, attempt_id: uuid.UUID) -> None:
    await session.execute(
        insert(AttemptScratchpad)
        .values(attempt_id=attempt_id, text="", revision=0, recent_saves={})
        .on_conflict_do_nothing()
    )


async def set_flag(
    session: AsyncSession, attempt: Attempt, item_id: uuid.UUID, *, flagged: bool
) -> AttemptItem:
    """Flag (or unflag) one question of the candidate's open attempt for their own review."""
    await lock_open(session, attempt.id, "Time is up or the attempt was submitted: flags no longer change.")
    item = await session.get(AttemptItem, item_id)
    if item is None or item.attempt_id != attempt.id:
        raise NotFound("No such question in this attempt.")
    if attempt.navigation == "linear" and item.position != attempt.current_position:
        raise Invalid("Only the current question can be flagged in a one-way interview.")
    await session.execute(update(AttemptItem).where(AttemptItem.id == item_id).values(flagged=flagged))
    await session.refresh(item)
    return item


# a notes save answers exactly like an answer save (the page's save module reads both)
NotesSaved = SaveOutcome
NotesIn = text_save.TextIn


def parse_notes(payload: dict[str, Any]) -> NotesIn:
    """A scratchpad save: base_revision, save_id and text (JSON, or a form from the page's beacon)."""
    return text_save.parse(payload, max_chars=MAX_NOTES_CHARS, what="notes")


def saved_outcome(
    attempt: Attempt, row: text_save.TextRow, save: text_save.TextIn, status: str, revision: int
) -> SaveOutcome:
    """The 200 of a text save on an open attempt (the answers' reply: revision, time left, phase)."""
    now = clock.now()
    return SaveOutcome(
        status,
        revision,
        save.save_id if status == "saved" else row.save_id,
        row.saved_at,
        deadlines.remaining_seconds(now, attempt.deadline_at),
        attempt.deadline_at,
        deadlines.phase(now, attempt.deadline_at, attempt.expiry_mode, attempt.grace_seconds),
    )


async def save_notes(session: AsyncSession, attempt: Attempt, save: NotesIn) -> NotesSaved:
    """Compare-and-swap: store the notes iff the stored revision is still the save's base; a retry
    (same save id) gets the outcome of its original, never 409."""
    attempt = await lock_open(
        session, attempt.id, "Time is up or the attempt was submitted: notes were not saved."
    )
    await _ensure_pad(session, attempt.id)
    pad = await text_save.locked(session, AttemptScratchpad, AttemptScratchpad.attempt_id == attempt.id)
    assert pad is not None
    status, revision = await text_save.store(
        session, pad, "text", save, stale_message=text_save.NOTES_CHANGED
    )
    return saved_outcome(attempt, pad, save, status, revision)


async def notes_of(session: AsyncSession, attempt_id: uuid.UUID) -> AttemptScratchpad | None:
    return await session.get(AttemptScratchpad, attempt_id)


async def set_shared(session: AsyncSession, attempt: Attempt, *, shared: bool) -> AttemptScratchpad:
    """Share the notes with the attempt's reviewers, or stop sharing (the candidate's choice, any time)."""
    await _ensure_pad(session, attempt.id)
    await session.execute(
        update(AttemptScratchpad)
        .where(AttemptScratchpad.attempt_id == attempt.id)
        .values(shared_at=clock.now() if shared else None)
    )
    pad = await session.get(AttemptScratchpad, attempt.id, populate_existing=True)
    assert pad is not None
    return pad


async def shared_notes(session: AsyncSession, attempt_id: uuid.UUID) -> str | None:
    """What a reviewer of the attempt may read: the notes once shared, else nothing."""
    pad = await session.get(AttemptScratchpad, attempt_id)
    return pad.text if pad is not None and pad.shared_at is not None else None
