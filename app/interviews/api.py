"""The interviews JSON API (/api/v1, own attempts only): formats, start, autosave, submit, results."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentUser, signed_in, signed_in_lean
from app.db import DbSession, SessionRoute
from app.errors import Conflict
from app.interviews import repository, service
from app.interviews.autosave import save
from app.interviews.dependencies import OwnAttempt
from app.interviews.routes import LeanCredentials, _read
from app.interviews.schemas import AttemptRead, AttemptStatus, FormatRead, SaveConflict, SaveResult
from app.interviews.views import attempt_status

api = APIRouter(route_class=SessionRoute, prefix="/api/v1")

SAVE_DOC = """Compare-and-swap autosave of one item's answer.

Send the answer (`text`, `choice`, `choices` or `number`), `base_revision` (the stored revision
your text is based on: 0 when nothing is stored, else the `revision` of the last 200 or of the
item in `GET /api/v1/attempts/{id}`) and `save_id` (your id for this value; resend the *same*
request with the same `save_id` when a reply is lost or times out).

- **200**: stored (committed) as `revision`; use it as the next `base_revision`. An identical
  retry gets the same 200, even while the original is still in flight.
- **409 `reason: "stale"`**: the stored revision is not your base (another tab or client saved);
  nothing was written. The body carries the stored `revision`, `value`, `saved_at`. To keep yours,
  save again with `base_revision` = that revision; or take the stored value.
- **409 `closed`** (deadline passed or submitted) / **`moved_on`** (linear navigation): refused for good.
- **503 / 429** with `Retry-After`: not saved; retry the identical request after that many seconds.
"""
SAVE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": SaveResult},
    409: {"model": SaveConflict, "description": "stale, closed or moved_on: nothing was written"},
    503: {"description": "the database is unavailable: retry after Retry-After seconds"},
}


@api.post(
    "/attempts/{attempt_id}/items/{item_id}/answer",
    dependencies=[Depends(signed_in_lean)],
    description=SAVE_DOC,
    responses=SAVE_RESPONSES,
)
async def save_answer_api(
    request: Request, creds: LeanCredentials, attempt_id: uuid.UUID, item_id: uuid.UUID
) -> Response:
    return await save(request, attempt_id, item_id, creds)


# ---- JSON API (own attempts only) ----------------------------------------------------------------


@api.get("/formats", dependencies=[Depends(signed_in)], response_model=list[FormatRead])
async def api_formats(session: DbSession) -> list[FormatRead]:
    formats = await repository.list_formats(session, statuses=["published"])
    return [FormatRead.model_validate(f) for f in formats]


@api.post("/formats/{format_id}/attempts", dependencies=[Depends(signed_in)], status_code=201)
async def api_start(session: DbSession, user: CurrentUser, format_id: uuid.UUID) -> AttemptRead:
    attempt = await service.start_attempt(session, user, format_id)
    return (await _read(session, attempt))[0]


@api.get("/attempts", dependencies=[Depends(signed_in)])
async def api_attempts(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    rows = await service.list_attempts(session, user.id)
    return [
        {
            "id": str(a.id),
            "format_title": title,
            "state": a.state,
            "counted": a.counted,
            "started_at": a.started_at.isoformat(),
            "auto_score": a.auto_score,
            "auto_max": a.auto_max,
        }
        for a, title in rows
    ]


@api.get("/attempts/{attempt_id}", dependencies=[Depends(signed_in)])
async def api_attempt(session: DbSession, attempt: OwnAttempt) -> AttemptRead:
    return (await _read(session, attempt))[0]


@api.get("/attempts/{attempt_id}/status", dependencies=[Depends(signed_in)])
async def api_attempt_status(attempt: OwnAttempt) -> AttemptStatus:
    """State, phase (open | grace | over), remaining seconds and deadline by the server's clock.
    An attempt past its deadline (+ grace) is finalised by this request."""
    return attempt_status(attempt)


@api.post("/attempts/{attempt_id}/submit", dependencies=[Depends(signed_in)])
async def api_submit(session: DbSession, user: CurrentUser, attempt_id: uuid.UUID) -> AttemptRead:
    attempt = await service.submit_attempt(session, user, attempt_id)
    return (await _read(session, attempt))[0]


@api.get("/attempts/{attempt_id}/result", dependencies=[Depends(signed_in)])
async def api_result(session: DbSession, attempt: OwnAttempt) -> AttemptRead:
    if attempt.state == "in_progress":
        raise Conflict("The attempt is still in progress.")
    return (await _read(session, attempt))[0]
