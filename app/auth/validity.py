"""The one rule for who is still signed in (pure: no I/O).

`resolve_session` / `resolve_api_token` (app/auth/service.py) apply it in Python after one
SELECT; the autosave's single statement (the `save_answer` SQL function) receives the same
cutoffs as parameters and applies the same comparisons. Both record the visit alike: a
session's idle timeout slides at most every `SLIDE_EVERY`, a token's `last_used_at` is written
at most every `TOUCH_EVERY` (so a burst of requests is not a burst of writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config import Settings

SLIDE_EVERY = timedelta(seconds=30)
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Validity:
    """The cutoffs at one instant: alive means "on or after the cutoff"."""

    now: datetime
    idle_cutoff: datetime  # a session last seen before this has been idle too long
    absolute_cutoff: datetime  # a session created before this is too old, however active
    slide_before: datetime  # a session last seen before this gets last_seen_at = now
    touch_before: datetime  # a token last used before this (or never) gets last_used_at = now

    @classmethod
    def at(cls, now: datetime, settings: Settings) -> Validity:
        return cls(
            now=now,
            idle_cutoff=now - timedelta(minutes=settings.session_idle_minutes),
            absolute_cutoff=now - timedelta(hours=settings.session_absolute_hours),
            slide_before=now - SLIDE_EVERY,
            touch_before=now - TOUCH_EVERY,
        )

    def session_alive(self, *, last_seen_at: datetime, created_at: datetime, user_active: bool) -> bool:
        return user_active and last_seen_at >= self.idle_cutoff and created_at >= self.absolute_cutoff

    def session_slides(self, last_seen_at: datetime) -> bool:
        return last_seen_at < self.slide_before

    def token_alive(self, *, revoked_at: datetime | None, expires_at: datetime, user_active: bool) -> bool:
        return user_active and revoked_at is None and expires_at > self.now

    def token_touched(self, last_used_at: datetime | None) -> bool:
        return last_used_at is None or last_used_at < self.touch_before
