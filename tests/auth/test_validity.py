"""The one session/token validity rule (pure), at its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.auth.validity import Validity
from app.config import get_settings

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_session_boundaries() -> None:
    s = get_settings()
    rule = Validity.at(NOW, s)
    idle, absolute = timedelta(minutes=s.session_idle_minutes), timedelta(hours=s.session_absolute_hours)
    fresh = NOW - timedelta(minutes=1)
    assert rule.session_alive(last_seen_at=NOW - idle, created_at=fresh, user_active=True)
    assert not rule.session_alive(
        last_seen_at=NOW - idle - timedelta(microseconds=1), created_at=fresh, user_active=True
    )
    assert rule.session_alive(last_seen_at=fresh, created_at=NOW - absolute, user_active=True)
    assert not rule.session_alive(
        last_seen_at=fresh, created_at=NOW - absolute - timedelta(seconds=1), user_active=True
    )
    assert not rule.session_alive(last_seen_at=fresh, created_at=fresh, user_active=False)
    assert not rule.session_slides(NOW - timedelta(seconds=30)) and rule.session_slides(
        NOW - timedelta(seconds=31)
    )


def test_token_boundaries() -> None:
    rule = Validity.at(NOW, get_settings())
    assert rule.token_alive(revoked_at=None, expires_at=NOW + timedelta(seconds=1), user_active=True)
    assert not rule.token_alive(revoked_at=None, expires_at=NOW, user_active=True)
    assert not rule.token_alive(revoked_at=NOW, expires_at=NOW + timedelta(days=1), user_active=True)
    assert not rule.token_alive(revoked_at=None, expires_at=NOW + timedelta(days=1), user_active=False)
    assert rule.token_touched(None) and rule.token_touched(NOW - timedelta(minutes=2))
    assert not rule.token_touched(NOW - timedelta(seconds=59))
