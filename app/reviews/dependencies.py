"""Load-or-404 dependencies for review routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.dependencies import CurrentMentor, CurrentUser
from app.db import DbSession
from app.errors import NotFound
from app.interviews.models import Attempt, InterviewFormat
from app.reviews import claims
from app.reviews.models import Review


async def own_review(
    session: DbSession, mentor: CurrentMentor, review_id: uuid.UUID
) -> tuple[Review, Attempt, InterviewFormat]:
    """The signed-in mentor's own review (404 for anyone else's, whatever their role)."""
    return await claims.own_review(session, mentor, review_id)


async def released_attempt(session: DbSession, user: CurrentUser, attempt_id: uuid.UUID) -> Attempt:
    """The candidate's own attempt whose feedback is released; 404 otherwise (also for admins)."""
    attempt = await session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id or attempt.state != "released":
        raise NotFound("No released feedback for this attempt.")
    return attempt


OwnReview = Annotated[tuple[Review, Attempt, InterviewFormat], Depends(own_review)]
ReleasedAttempt = Annotated[Attempt, Depends(released_attempt)]
