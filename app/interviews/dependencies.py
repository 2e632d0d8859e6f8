"""Load-or-404 dependencies for interview routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.dependencies import CurrentUser
from app.db import DbSession
from app.interviews import formats, service
from app.interviews.models import Attempt, InterviewFormat


async def own_attempt(session: DbSession, user: CurrentUser, attempt_id: uuid.UUID) -> Attempt:
    """The signed-in candidate's attempt (404 for anyone else's), finalised first when its time is over."""
    return await service.get_attempt(session, user, attempt_id)


async def format_by_id(session: DbSession, format_id: uuid.UUID) -> InterviewFormat:
    return await formats.get_format(session, format_id)


OwnAttempt = Annotated[Attempt, Depends(own_attempt)]
FormatById = Annotated[InterviewFormat, Depends(format_by_id)]
