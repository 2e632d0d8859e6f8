"""The candidate's own marks on an attempt: "flag for review" per question and the private
scratchpad (autosaved with the answers' compare-and-swap protocol, shared with reviewers only
when the candidate says so)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Invalid, NotFound, TooLarge
from app.interviews import deadlines
from app.interviews.models import Attempt, AttemptItem, AttemptScratchpad
from app.interviews.save_outcome import AttemptClosed, SaveOutcome, StaleRevision
from app.interviews.schemas import AnswerIn
from app.kit import clock

MAX_NOTES_CHARS = 20_000
RECENT_SAVES = 20  # how many save ids a retry is recognised by


async def _lock_open(session: AsyncSession, attempt_id: uuid.UUID, message: str) -> Attempt:
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
    await _lock_open(session, attempt.id, "Time is up or the attempt was submitted: flags no longer change.")
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


class NotesIn(AnswerIn):
    """A scratchpad save: the answers' protocol fields and the notes' text."""

    text: str


def parse_notes(payload: dict[str, Any]) -> NotesIn:
    """A scratchpad save: base_revision, save_id and text (JSON, or a form from the page's beacon)."""
    text = payload.get("text")
    if isinstance(text, str) and len(text) > MAX_NOTES_CHARS:
        raise TooLarge(f"The notes are longer than {MAX_NOTES_CHARS} characters.")
    try:
        return NotesIn.model_validate(payload)
    except ValidationError as err:
        raise Invalid("The notes are not valid.", fields={"notes": str(err).splitlines()[0]}) from err


async def save_notes(session: AsyncSession, attempt: Attempt, save: NotesIn) -> NotesSaved:
    """Compare-and-swap: store the notes iff the stored revision is still the save's base; a retry
    (same save id) gets the outcome of its original, never 409."""
    attempt = await _lock_open(
        session, attempt.id, "Time is up or the attempt was submitted: notes were not saved."
    )
    await _ensure_pad(session, attempt.id)
    pad = (
        await session.execute(
            select(AttemptScratchpad)
            .where(AttemptScratchpad.attempt_id == attempt.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    now = clock.now()

    def outcome(status: str, revision: int) -> NotesSaved:
        return NotesSaved(
            status,
            revision,
            save.save_id if status == "saved" else pad.save_id,
            pad.saved_at,
            deadlines.remaining_seconds(now, attempt.deadline_at),
            attempt.deadline_at,
            deadlines.phase(now, attempt.deadline_at, attempt.expiry_mode, attempt.grace_seconds),
        )

    if save.save_id in pad.recent_saves:
        return outcome("saved", pad.recent_saves[save.save_id])
    if save.base_revision != pad.revision:
        raise StaleRevision(
            "Your notes were changed in another tab (or window) since yours were loaded; nothing was overwritten.",
            extra={
                "revision": pad.revision,
                "value": {"text": pad.text},
                "saved_at": pad.saved_at.isoformat() if pad.saved_at else None,
                "save_id": pad.save_id,
            },
        )
    if save.text == pad.text:
        return outcome("unchanged", pad.revision)
    recent = dict(sorted({**pad.recent_saves, save.save_id: pad.revision + 1}.items(), key=lambda kv: kv[1]))
    pad.recent_saves = dict(list(recent.items())[-RECENT_SAVES:])
    pad.revision += 1
    pad.text = save.text
    pad.save_id = save.save_id
    pad.saved_at = now
    await session.flush()
    return outcome("saved", pad.revision)


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
