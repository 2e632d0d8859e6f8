"""A reviewer's read of the candidate's scratchpad: only while the candidate shares it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import mentor_only
from app.db import DbSession, SessionRoute
from app.interviews import notes
from app.reviews.dependencies import OwnReview
from app.web.templating import render

router = APIRouter(route_class=SessionRoute, prefix="/reviews", dependencies=[Depends(mentor_only)])


@router.get("/{review_id}/notes")
async def reviewer_notes(request: Request, session: DbSession, found: OwnReview) -> Response:
    """The candidate's notes for the attempt under review, only if they chose to share them."""
    shared = await notes.shared_notes(session, found[1].id)
    return render(request, "interviews/_shared_notes.html", {"shared": shared}, block=None)
