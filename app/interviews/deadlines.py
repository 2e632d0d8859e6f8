"""Deadline arithmetic: pure functions, no I/O. The server's clock is passed in.

Expiry modes (Moodle's three):
- autosubmit: edits until the deadline; then the attempt is finalised with what was saved, and counts.
- grace: edits until the deadline; then only "submit" for `grace` seconds; not submitted by then → not counted.
- strict: edits and submit until the deadline; not submitted by then → not counted.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class ExpiryMode(StrEnum):
    autosubmit = "autosubmit"
    grace = "grace"
    strict = "strict"


def limit_seconds(limit: int, time_factor: Decimal | float) -> int:
    """The candidate's time: the format's limit scaled by their time factor, rounded up to a whole second."""
    if limit <= 0:
        raise ValueError("the time limit must be positive")
    factor = Decimal(str(time_factor))
    if factor < 1:
        raise ValueError("a time factor below 1 would take time away")
    return math.ceil(Decimal(limit) * factor)


def deadline(started_at: datetime, limit: int, time_factor: Decimal | float, extended: int = 0) -> datetime:
    """started_at + limit × time factor (+ any extension granted by an admin)."""
    return started_at + timedelta(seconds=limit_seconds(limit, time_factor) + extended)


def effective_grace(mode: ExpiryMode | str, grace: int) -> int:
    return grace if ExpiryMode(mode) is ExpiryMode.grace else 0


def can_save(now: datetime, deadline_at: datetime) -> bool:
    """Answers may change strictly before the deadline, whatever the mode (grace allows submit only)."""
    return now < deadline_at


def submit_cutoff(deadline_at: datetime, mode: ExpiryMode | str, grace: int) -> datetime:
    """The last instant (exclusive) at which the candidate's own submit is accepted."""
    return deadline_at + timedelta(seconds=effective_grace(mode, grace))


def can_submit(now: datetime, deadline_at: datetime, mode: ExpiryMode | str, grace: int) -> bool:
    return now < submit_cutoff(deadline_at, mode, grace)


def finalise_at(deadline_at: datetime, mode: ExpiryMode | str, grace: int) -> datetime:
    """From this instant the server finalises an open attempt itself (lazily or by the sweeper)."""
    return submit_cutoff(deadline_at, mode, grace)


def is_overdue(now: datetime, deadline_at: datetime, mode: ExpiryMode | str, grace: int) -> bool:
    return now >= finalise_at(deadline_at, mode, grace)


def counts_when_expired(mode: ExpiryMode | str) -> bool:
    """Does an attempt finalised by the clock (never submitted) count? Only in autosubmit mode."""
    return ExpiryMode(mode) is ExpiryMode.autosubmit


def remaining_seconds(now: datetime, deadline_at: datetime) -> float:
    """Seconds left to edit, never negative, to a tenth of a second (what the page's countdown shows)."""
    return max(0.0, round((deadline_at - now).total_seconds(), 1))


def phase(now: datetime, deadline_at: datetime, mode: ExpiryMode | str, grace: int) -> str:
    """open (edits allowed) | grace (submit only) | over (the server finalises)."""
    if can_save(now, deadline_at):
        return "open"
    if can_submit(now, deadline_at, mode, grace):
        return "grace"
    return "over"
