"""Who may see a live session: its mentor and its candidate, nobody else (not even admins: a mock
interview is a private conversation; they see the attempt and its review as usual afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import User
from app.auth.service import resolve_api_token, resolve_session
from app.config import get_settings
from app.errors import NotFound
from app.events import Event
from app.live import repository
from app.live.lifecycle import FINISHED as FINISHED
from app.live.models import LiveSession


async def participant(session: AsyncSession, user: User, session_id: uuid.UUID) -> LiveSession:
    """The live session if `user` is its mentor or candidate; for anyone else it does not exist."""
    live = await repository.get(session, session_id)
    if live is None or user.id not in (live.mentor_id, live.candidate_id):
        raise NotFound("No such live session.")
    return live


def checker(request: Request, session_id: uuid.UUID) -> Callable[[], Awaitable[bool | Event]]:
    """For a stream's heartbeats: is the credential that opened it still valid (not signed out,
    not expired, not revoked), is its user still a participant, and is the session not over?
    True: carry on; False: close; the session's `live.ended` event: it is over — the stream sends
    that event and closes (a check can see the end before the event's notification arrives)."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.resources.sessionmaker
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    cookie = request.cookies.get(get_settings().session_cookie)

    async def still_allowed() -> bool | Event:
        async with maker() as session, session.begin():
            if token is not None:
                identity = await resolve_api_token(session, token)
            else:
                identity = await resolve_session(session, cookie) if cookie else None
            if identity is None:
                return False
            live = await repository.get(session, session_id)
            if live is None or identity.user.id not in (live.mentor_id, live.candidate_id):
                return False
            if live.state in FINISHED:
                return await repository.ended_event(session, live) or False
            return True

    return still_allowed
