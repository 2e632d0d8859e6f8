"""The follow-up ladder and the interviewer's notes of a live session (issue 20).

On the mentor's live page every question of the attempt has its follow-ups and hints (from the
pinned version) as buttons and a box for a follow-up of their own; sending one logs it with its
time and announces it on the session's stream (app/interviews/prompts.py), where the candidate's
attempt page shows it at once. The mentor's private notes autosave beside them
(app/reviews/interviewer_notes.py) and prefill their review draft; after the session "Review this
interview" claims the attempt's review for them (`open_review`).

Only the session's mentor sends prompts and writes notes: the candidate gets 403, anyone else 404
(the session does not exist for them). Prompts go out while the session is open (409 `closed`
otherwise, and once the attempt is over); notes may still be written after it ended.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.errors import Conflict, Forbidden
from app.interviews import prompts
from app.interviews.models import Attempt, LivePrompt
from app.interviews.prompts import PromptKind, PromptSend
from app.live import access
from app.live.lifecycle import LiveState
from app.live.models import LiveSession
from app.reviews import claims, interviewer_notes
from app.reviews import repository as review_repository
from app.reviews.models import InterviewerNote, Review


class SessionClosed(Conflict):
    reason = "closed"


async def mentor_session(session: AsyncSession, user: User, session_id: uuid.UUID) -> LiveSession:
    """The live session if `user` is its mentor; 403 for its candidate, 404 for anyone else."""
    live = await access.participant(session, user, session_id)
    if live.mentor_id != user.id:
        raise Forbidden("Only the interviewer of this session can do this.")
    return live


async def _attempt(session: AsyncSession, live: LiveSession) -> Attempt:
    attempt = await session.get(Attempt, live.attempt_id) if live.attempt_id else None
    if attempt is None:
        raise SessionClosed("The session has not been opened yet.")
    return attempt


async def send(
    session: AsyncSession, mentor: User, session_id: uuid.UUID, what: PromptSend
) -> tuple[LivePrompt, bool]:
    """Send a follow-up or hint to the candidate; (the logged prompt, whether it is new)."""
    live = await mentor_session(session, mentor, session_id)
    if live.state != LiveState.open:
        raise SessionClosed("The session is not open: nothing was sent.")
    return await prompts.send_prompt(session, await _attempt(session, live), what, sent_by=mentor.id)


async def save_notes(
    session: AsyncSession, mentor: User, session_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """The interviewer's notes autosave (compare-and-swap, the answers' protocol)."""
    live = await mentor_session(session, mentor, session_id)
    attempt = await _attempt(session, live)
    return await interviewer_notes.save(
        session, attempt_id=attempt.id, mentor_id=mentor.id, save=interviewer_notes.parse(payload)
    )


async def open_review(session: AsyncSession, mentor: User, session_id: uuid.UUID) -> Review:
    """After the interview: the mentor's review of its attempt (claimed for them if need be)."""
    live = await mentor_session(session, mentor, session_id)
    return await claims.claim_attempt(session, mentor, (await _attempt(session, live)).id)


@dataclass
class ItemLadder:
    """One question's buttons and log on the mentor's page."""

    item_id: uuid.UUID
    position: int
    follow_ups: list[tuple[int, str, LivePrompt | None]]  # (ref, html, the prompt once sent)
    hints: list[tuple[int, str, LivePrompt | None]]
    sent: list[LivePrompt] = field(default_factory=list)
    # the send id of the next typed follow-up (a retried form post is recognised by it)
    free_send_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def item_ladder(item_id: uuid.UUID, position: int, version: Any, sent: list[LivePrompt]) -> ItemLadder:
    given = {(p.kind, p.ref): p for p in sent if p.ref is not None}
    choices = prompts.scripted(version)
    return ItemLadder(
        item_id=item_id,
        position=position,
        follow_ups=[
            (i, html, given.get((PromptKind.follow_up.value, i)))
            for i, (_, html) in enumerate(choices[PromptKind.follow_up])
        ],
        hints=[
            (i, html, given.get((PromptKind.hint.value, i)))
            for i, (_, html) in enumerate(choices[PromptKind.hint])
        ],
        sent=sent,
    )


async def page_context(session: AsyncSession, live: LiveSession) -> dict[str, Any]:
    """What the mentor's live page needs for the ladder and the notes (merge into its context)."""
    if live.attempt_id is None:
        return {"ladder": {}, "interviewer_note": None}
    sent = prompts.by_item(await prompts.prompts_of(session, live.attempt_id))
    rows = await review_repository.items(session, live.attempt_id)
    ladder = {
        item.id: item_ladder(item.id, item.position, version, sent.get(item.id, []))
        for item, version, _, _ in rows
    }
    note: InterviewerNote | None = await interviewer_notes.notes_of(session, live.attempt_id, live.mentor_id)
    return {"ladder": ladder, "interviewer_note": note}


async def prompt_for_mentor(
    session: AsyncSession, mentor: User, session_id: uuid.UUID, prompt_id: uuid.UUID
) -> LivePrompt:
    """One prompt of the session's attempt, for its mentor (the log entry the page fetches)."""
    live = await mentor_session(session, mentor, session_id)
    return await prompts.prompt_of(session, (await _attempt(session, live)).id, prompt_id)
