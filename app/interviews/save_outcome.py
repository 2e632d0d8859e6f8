"""What one autosave statement answered, decoded into a reply or a refusal (pure: no I/O).

The `save_answer` SQL function returns one row (`SaveRow`); `decode` turns it into the 200's
content (`SaveOutcome`) or raises the error the client gets. Tested exhaustively in
tests/interviews/test_save_outcome.py without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from app.errors import Conflict, Invalid, NotAuthenticated, NotFound
from app.interviews import deadlines


class AttemptClosed(Conflict):
    reason = "closed"


class StaleRevision(Conflict):
    reason = "stale"


class MovedOn(Conflict):
    reason = "moved_on"


class SaveRow(NamedTuple):
    """The function's OUT parameters, in order (migration 3b7d9e1c5a24)."""

    outcome: (
        str  # signed_out | not_found | duplicate | wrong_kind | closed | moved_on | unchanged | stale | saved
    )
    revision: int | None
    value: Any
    saved_at: datetime | None
    save_id: str | None
    state: str | None
    deadline_at: datetime | None
    expiry_mode: str | None
    grace_seconds: int | None


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    status: str  # saved | unchanged
    revision: int
    save_id: str | None
    saved_at: datetime | None
    remaining_seconds: float
    deadline_at: datetime
    phase: str

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "revision": self.revision,
            "save_id": self.save_id,
            "saved_at": self.saved_at.isoformat() if self.saved_at else None,
            "remaining_seconds": self.remaining_seconds,
            "deadline_at": self.deadline_at.isoformat(),
            "phase": self.phase,
        }


def decode(row: SaveRow, *, now: datetime, via_token: bool) -> SaveOutcome:
    """The reply for a 200 (saved, a retry of a stored save, or unchanged); raises for anything else."""
    outcome = row.outcome
    if outcome in ("saved", "duplicate", "unchanged"):
        assert row.revision is not None and row.deadline_at is not None
        assert row.expiry_mode is not None and row.grace_seconds is not None
        return SaveOutcome(
            "unchanged" if outcome == "unchanged" else "saved",
            row.revision,
            row.save_id,
            row.saved_at,
            deadlines.remaining_seconds(now, row.deadline_at),
            row.deadline_at,
            deadlines.phase(now, row.deadline_at, row.expiry_mode, row.grace_seconds),
        )
    if outcome == "signed_out":
        if via_token:
            raise NotAuthenticated("The API token is invalid, expired, revoked or lacks the write scope.")
        raise NotAuthenticated("Please sign in.")
    if outcome == "not_found":
        raise NotFound("No such attempt.")
    if outcome == "wrong_kind":
        raise Invalid("This answer does not fit the question.", fields={"answer": "wrong kind"})
    if outcome == "moved_on":
        raise MovedOn("You have moved past this question; it can no longer be changed.")
    if outcome == "closed":
        # (no lazy finalisation here: the save path writes nothing; the next page load or the sweeper does it)
        raise AttemptClosed("Time is up or the attempt was submitted: this answer was not saved.")
    if outcome == "stale":
        raise StaleRevision(
            "This answer was changed in another tab (or window) since yours was loaded; nothing was overwritten.",
            extra={
                "revision": row.revision,
                "value": row.value,
                "saved_at": row.saved_at.isoformat() if row.saved_at else None,
                "save_id": row.save_id,
            },
        )
    raise ValueError(f"save_answer returned an unknown outcome: {outcome!r}")
