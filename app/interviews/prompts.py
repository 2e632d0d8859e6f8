"""The follow-up ladder of a live attempt (issue 20): the interviewer gives the candidate a follow-up
question or a hint; each is logged with its time (`live_prompt`) and announced on the attempt's
live stream; the candidate answers a follow-up like any answer (compare-and-swap, app/interviews/
text_save.py).

Who may send is decided by the live domain (only the session's mentor; app/live/ladder.py): this
module checks what belongs to the attempt — the item is the attempt's, the reference is one of the
pinned version's follow-ups or hints, and the attempt is still open (409 `closed` otherwise).

Sending is idempotent: a scripted prompt (a follow-up or hint of the version, `ref`) is given at
most once per item, and a retried send (same `send_id`) is recognised; either way the stored prompt
is answered again and no second event is sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Invalid, NotFound
from app.events import Audience, EventKind, emit
from app.interviews import notes, text_save
from app.interviews.models import Attempt, AttemptItem, LivePrompt
from app.interviews.save_outcome import SaveOutcome
from app.kit import clock
from app.questions.models import QuestionVersion
from app.questions.rendering import render_markdown_lenient

MAX_PROMPT_CHARS = 4_000
MAX_ANSWER_CHARS = 20_000


class PromptKind(StrEnum):
    follow_up = "follow_up"
    hint = "hint"


@dataclass(frozen=True)
class PromptSend:
    """What the interviewer sends: a scripted prompt (`ref` into the version's follow-ups or hints)
    or a typed follow-up (`text`, `ref` None); `send_id` recognises a retry."""

    item_id: uuid.UUID
    kind: PromptKind
    ref: int | None
    text: str
    send_id: str


def scripted(version: QuestionVersion) -> dict[PromptKind, list[tuple[str, str]]]:
    """The version's follow-ups and hints as (Markdown, HTML), in their order (`ref` = index)."""
    hints_html = (version.data or {}).get("hints_html") or []
    return {
        PromptKind.follow_up: [
            (
                f.get("question", ""),
                f.get("question_html") or str(render_markdown_lenient(f.get("question", ""))),
            )
            for f in version.follow_ups or []
        ],
        PromptKind.hint: [
            (h, hints_html[i] if i < len(hints_html) else str(render_markdown_lenient(h)))
            for i, h in enumerate(version.hints or [])
        ],
    }


async def _text_of(session: AsyncSession, item: AttemptItem, send: PromptSend) -> tuple[str, str]:
    if send.ref is None:
        if send.kind != PromptKind.follow_up:
            raise Invalid("Choose one of the question's hints.", fields={"ref": "a hint needs its number"})
        text = send.text.strip()
        if not text:
            raise Invalid("Type the follow-up question first.", fields={"text": "empty"})
        if len(text) > MAX_PROMPT_CHARS:
            raise Invalid(
                f"Keep the follow-up under {MAX_PROMPT_CHARS} characters.", fields={"text": "too long"}
            )
        return text, str(render_markdown_lenient(text))
    version = await session.get(QuestionVersion, item.version_id)
    assert version is not None
    choices = scripted(version)[send.kind]
    if not 0 <= send.ref < len(choices):
        raise NotFound(f"This question has no such {send.kind.replace('_', '-')}.")
    return choices[send.ref]


async def send_prompt(
    session: AsyncSession, attempt: Attempt, send: PromptSend, *, sent_by: uuid.UUID
) -> tuple[LivePrompt, bool]:
    """Log the prompt and announce it on the attempt's stream; (the prompt, whether it is new)."""
    attempt = await notes.lock_open(
        session,
        attempt.id,
        "The interview is over (time is up or the attempt was submitted): nothing was sent.",
    )
    item = await session.get(AttemptItem, send.item_id)
    if item is None or item.attempt_id != attempt.id:
        raise NotFound("No such question in this attempt.")
    text, html = await _text_of(session, item, send)
    now = clock.now()
    new_id = (
        await session.execute(
            insert(LivePrompt)
            .values(
                id=uuid.uuid4(),
                attempt_id=attempt.id,
                item_id=item.id,
                kind=send.kind.value,
                ref=send.ref,
                text=text,
                text_html=html,
                send_id=send.send_id,
                sent_at=now,
                sent_by=sent_by,
                answer="",
                revision=0,
                recent_saves={},
            )
            .on_conflict_do_nothing()
            .returning(LivePrompt.id)
        )
    ).scalar()
    if new_id is None:  # sent before (a retry, a second click, another tab): the stored one
        same = [LivePrompt.send_id == send.send_id]
        if send.ref is not None:
            same.append(
                (LivePrompt.item_id == item.id)
                & (LivePrompt.kind == send.kind)
                & (LivePrompt.ref == send.ref)
            )
        found = (
            await session.execute(
                select(LivePrompt).where(LivePrompt.attempt_id == attempt.id, or_(*same)).limit(1)
            )
        ).scalar_one()
        return found, False
    prompt = await session.get(LivePrompt, new_id)
    assert prompt is not None
    await emit(
        session,
        EventKind.live_prompt_sent,
        {
            "attempt_id": str(attempt.id),
            "prompt_id": str(prompt.id),
            "item_id": str(item.id),
            "position": item.position,
            "kind": prompt.kind,
            "ref": prompt.ref,
            "text_html": prompt.text_html,
            "sent_at": now.isoformat(),
        },
        Audience(user_ids=[attempt.user_id, sent_by], attempt_id=attempt.id),
    )
    return prompt, True


def parse_answer(payload: dict[str, Any]) -> text_save.TextIn:
    return text_save.parse(payload, max_chars=MAX_ANSWER_CHARS, what="answer")


async def save_answer(
    session: AsyncSession, attempt: Attempt, prompt_id: uuid.UUID, save: text_save.TextIn
) -> SaveOutcome:
    """The candidate's answer to a follow-up, by compare-and-swap (the answers' protocol: 409
    `stale` / `closed`, a retry gets its original's outcome); a stored change is announced."""
    attempt = await notes.lock_open(
        session, attempt.id, "Time is up or the attempt was submitted: this answer was not saved."
    )
    prompt = await text_save.locked(
        session, LivePrompt, LivePrompt.id == prompt_id, LivePrompt.attempt_id == attempt.id
    )
    if prompt is None or prompt.kind != PromptKind.follow_up:
        raise NotFound("No such follow-up question in this attempt.")
    before = prompt.revision
    status, revision = await text_save.store(
        session, prompt, "answer", save, stale_message=text_save.ANSWER_CHANGED
    )
    if prompt.revision != before:
        await emit(
            session,
            EventKind.live_followup_answered,
            {
                "attempt_id": str(attempt.id),
                "prompt_id": str(prompt.id),
                "item_id": str(prompt.item_id),
                "revision": prompt.revision,
                "text": prompt.answer,
                "saved_at": prompt.saved_at.isoformat() if prompt.saved_at else None,
            },
            Audience(
                user_ids=[attempt.user_id, *([prompt.sent_by] if prompt.sent_by else [])],
                attempt_id=attempt.id,
            ),
        )
    return notes.saved_outcome(attempt, prompt, save, status, revision)


async def prompts_of(session: AsyncSession, attempt_id: uuid.UUID) -> list[LivePrompt]:
    """The attempt's prompts in the order they were sent."""
    rows = await session.execute(
        select(LivePrompt)
        .where(LivePrompt.attempt_id == attempt_id)
        .order_by(LivePrompt.sent_at, LivePrompt.id)
    )
    return list(rows.scalars())


async def prompt_of(session: AsyncSession, attempt_id: uuid.UUID, prompt_id: uuid.UUID) -> LivePrompt:
    found = await session.get(LivePrompt, prompt_id)
    if found is None or found.attempt_id != attempt_id:
        raise NotFound("No such prompt in this attempt.")
    return found


def by_item(prompts: list[LivePrompt]) -> dict[uuid.UUID, list[LivePrompt]]:
    out: dict[uuid.UUID, list[LivePrompt]] = {}
    for p in prompts:
        out.setdefault(p.item_id, []).append(p)
    return out
