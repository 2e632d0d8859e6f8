"""One compare-and-swap text save, shared by the texts that autosave outside the answers' hot path:
the candidate's scratchpad, their answers to live follow-ups, an interviewer's notes.

A row (any table) carries `text`-like content, `revision`, `save_id`, `recent_saves` (the last saves'
ids → the revision each stored) and `saved_at`. `apply` stores the save iff the stored revision is
still its base; a retry (a save id among the recent ones) gets the revision its original stored,
never 409; anything else based on an older revision is refused (`StaleRevision`, with the stored
text) and changes nothing. The caller holds the row locked (`FOR UPDATE`) and flushes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Invalid, TooLarge
from app.interviews.save_outcome import StaleRevision
from app.interviews.schemas import AnswerIn
from app.kit import clock

RECENT_SAVES = 20  # how many save ids a retry is recognised by
NOTES_CHANGED = (
    "Your notes were changed in another tab (or window) since yours were loaded; nothing was overwritten."
)
ANSWER_CHANGED = (
    "This answer was changed in another tab (or window) since yours was loaded; nothing was overwritten."
)
T = TypeVar("T")


class TextIn(AnswerIn):
    """A text save: the answers' protocol fields and the text."""

    text: str


def parse(payload: dict[str, Any], *, max_chars: int, what: str) -> TextIn:
    """base_revision, save_id and text (JSON, or a form from a page's beacon); 413 past `max_chars`."""
    text = payload.get("text")
    if isinstance(text, str) and len(text) > max_chars:
        raise TooLarge(f"The {what} is longer than {max_chars} characters.")
    try:
        return TextIn.model_validate(payload)
    except ValidationError as err:
        raise Invalid(f"The {what} is not valid.", fields={"text": str(err).splitlines()[0]}) from err


class TextRow(Protocol):
    revision: int
    save_id: str | None
    recent_saves: dict[str, int]
    saved_at: datetime | None


def apply(row: TextRow, field: str, save: TextIn, *, now: datetime, stale_message: str) -> tuple[str, int]:
    """Store `save.text` into `row.<field>` by compare-and-swap: ("saved" | "unchanged", revision)."""
    if save.save_id in row.recent_saves:
        return "saved", row.recent_saves[save.save_id]
    stored = getattr(row, field)
    if save.base_revision != row.revision:
        raise StaleRevision(
            stale_message,
            extra={
                "revision": row.revision,
                "value": {"text": stored},
                "saved_at": row.saved_at.isoformat() if row.saved_at else None,
                "save_id": row.save_id,
            },
        )
    if save.text == stored:
        return "unchanged", row.revision
    recent = dict(sorted({**row.recent_saves, save.save_id: row.revision + 1}.items(), key=lambda kv: kv[1]))
    row.recent_saves = dict(list(recent.items())[-RECENT_SAVES:])
    row.revision += 1
    setattr(row, field, save.text)
    row.save_id = save.save_id
    row.saved_at = now
    return "saved", row.revision


async def locked(session: AsyncSession, model: type[T], *where: ColumnElement[bool]) -> T | None:
    """The row, locked for this transaction and read afresh (a save decides on what is stored now)."""
    stmt = select(model).where(*where).with_for_update().execution_options(populate_existing=True)
    found: T | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def store(
    session: AsyncSession, row: TextRow, field: str, save: TextIn, *, stale_message: str
) -> tuple[str, int]:
    """`apply` on a locked row, flushed."""
    out = apply(row, field, save, now=clock.now(), stale_message=stale_message)
    await session.flush()
    return out
