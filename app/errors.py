"""Errors that carry their HTTP status and a reason; one handler in app.web.errors renders them.

The contract (docs/DEVELOPING.md, "Errors"): JSON `{"error", "reason", "fields"?, …}` under /api or
for `Accept: application/json`; for htmx the message in the toast area; a full page otherwise.
"""

from __future__ import annotations

from typing import Any

# The `reason` of an error that names none: one per status, so every JSON error carries one.
REASONS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


def reason_for(status: int) -> str:
    return REASONS.get(status, "error")


class AppError(Exception):
    status = 400
    # A machine-readable distinction a client acts on ("stale", "csrf", "scope", …), in the JSON
    # body; None means the status's generic reason (REASONS).
    reason: str | None = None
    # seconds, sent as Retry-After (503, 429)
    retry_after: int | None = None

    def __init_subclass__(
        cls, *, status: int | None = None, reason: str | None = None, retry_after: int | None = None
    ) -> None:
        """A subclass names its defaults in its header: `class NotFound(AppError, status=404)`."""
        super().__init_subclass__()
        if status is not None:
            cls.status = status
        if reason is not None:
            cls.reason = reason
        if retry_after is not None:
            cls.retry_after = retry_after

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        fields: dict[str, str] | None = None,
        reason: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if reason is not None:
            self.reason = reason
        self.fields = fields or {}
        self.extra = extra or {}  # more JSON for API clients (e.g. the stored answer on a 409 stale)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message, "reason": self.reason or reason_for(self.status)}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class NotAuthenticated(AppError, status=401): ...


class Forbidden(AppError, status=403): ...


class NotFound(AppError, status=404): ...


class Conflict(AppError, status=409): ...


class Invalid(AppError, status=422): ...


class TooLarge(AppError, status=413): ...


class TooManyRequests(AppError, status=429, reason="rate_limited"):
    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        # Whole seconds until a retry can succeed (the Retry-After header).
        self.retry_after = max(1, int(retry_after))


class Unavailable(AppError, status=503, reason="unavailable", retry_after=2):
    """The database is down, locked or saturated: try again shortly (never a hang, never a 500)."""
