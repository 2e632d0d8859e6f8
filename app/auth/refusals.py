"""Audit rows for refused requests (403, CSRF failures, 429), written after the answer is sent.

Called by SecurityMiddleware for every 403/429, whichever layer refused (the Origin check, an
access marker, the CSRF check, a rate limit, the autosave flood guard). The writes are
rate-limited in process (MLMOCK_RATE_AUDIT_PER_IP per address, ten times that in all): a flood of
refused requests cannot flood the audit log. Per process, like the autosave guard.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from app.auth.models import AuditEvent
from app.config import get_settings
from app.kit import clock
from app.kit.ratelimit import Rate, TokenBucket

log = logging.getLogger("mlmock.audit")


def event_for(status: int, reason: str | None) -> str | None:
    if status == 429:
        return "rate_limited"
    if status == 403:
        return "csrf_failed" if reason in ("csrf", "cross_site") else "forbidden"
    return None


def _allowed(app_state: Any, ip: str | None) -> bool:
    rate = Rate.parse(get_settings().rate_audit_per_ip)
    bucket: TokenBucket | None = getattr(app_state, "audit_buckets", None)
    if bucket is None:
        bucket = app_state.audit_buckets = TokenBucket()
    per_second = rate.limit / rate.seconds
    if bucket.take("all", rate=per_second * 10, burst=rate.limit * 10):
        return False
    return not bucket.take(f"ip:{ip}", rate=per_second, burst=rate.limit)


async def record_refusal(scope: MutableMapping[str, Any], status: int) -> None:
    """Append the refusal to the audit log unless this address (or everyone) is over the cap."""
    state = scope.get("state") or {}
    event = event_for(status, state.get("refusal_reason"))
    app = scope.get("app")
    if event is None or app is None or getattr(app.state, "resources", None) is None:
        return
    ip = state.get("client_ip")
    if not _allowed(app.state, ip):
        return
    user = state.get("user")
    detail = {"method": scope.get("method"), "path": scope.get("path", "")[:200]}
    if reason := state.get("refusal_reason"):
        detail["reason"] = reason
    try:
        async with app.state.resources.sessionmaker() as session:
            session.add(
                AuditEvent(
                    created_at=clock.now(),
                    event=event,
                    actor_id=user.id if user is not None else None,
                    subject=str(user.id) if user is not None else None,
                    ip=ip,
                    detail=detail,
                )
            )
            await session.commit()
    except Exception:  # the answer is already sent; an audit failure must not turn into a crash
        log.warning("could not audit a refused request", exc_info=True)
