"""Rules and writes for formats and attempts. Flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.credentials import Credentials
from app.auth.models import User
from app.auth.service import audit
from app.auth.validity import Validity
from app.config import get_settings
from app.errors import Conflict, Invalid, NotFound, TooLarge
from app.events import Audience, EventKind, emit
from app.interviews import deadlines, grading, lifecycle, repository
from app.interviews.autosave_db import AutosaveDb
from app.interviews.draw import item_seed
from app.interviews.formats import draw_versions, get_format, slots_of
from app.interviews.lifecycle import AttemptState
from app.interviews.models import Attempt, AttemptItem
from app.interviews.save_outcome import SaveOutcome, decode
from app.interviews.schemas import MAX_NUMBER_CHARS, MAX_TEXT_CHARS, AnswerIn
from app.kit import clock
from app.questions import kinds

TIME_CAP_SECONDS = 120  # a gap longer than this between two events on an item is not counted as work


# ---- attempts ------------------------------------------------------------------------------------


async def start_attempt(
    session: AsyncSession, user: User, format_id: uuid.UUID, *, seed: int | None = None, live: bool = False
) -> Attempt:
    """Draw and pin the questions, set the deadline from the candidate's time factor; resume an open one.
    `live`: part of a live session (app/live), whose saves are announced as events."""
    fmt = await get_format(session, format_id)
    if fmt.status != "published":
        raise NotFound("This interview format is not open.")
    existing = await repository.open_attempt(session, user_id=user.id, format_id=fmt.id)
    if existing is not None:
        await finalise_if_overdue(session, existing)
        if existing.state == AttemptState.in_progress:  # (the sweeper may have finalised it a moment ago)
            return existing
    if fmt.attempts_allowed is not None:
        used = await repository.count_attempts(session, user_id=user.id, format_id=fmt.id)
        if used >= fmt.attempts_allowed:
            raise Conflict(f"You have used all {fmt.attempts_allowed} attempt(s) this format allows.")
    seed = secrets.randbits(62) if seed is None else seed
    picks = await draw_versions(session, slots_of(fmt), seed)
    now = clock.now()
    attempt = Attempt(
        id=uuid.uuid4(),
        format_id=fmt.id,
        user_id=user.id,  # state: the column default, in_progress (app/interviews/lifecycle.py)
        seed=seed,
        started_at=now,
        deadline_at=deadlines.deadline(now, fmt.time_limit_seconds, user.time_factor),
        time_factor=float(user.time_factor),
        expiry_mode=fmt.expiry_mode,
        grace_seconds=deadlines.effective_grace(fmt.expiry_mode, fmt.grace_seconds),
        navigation=fmt.navigation,
        current_position=0,
        extended_seconds=0,
        counted=True,
        needs_review=False,
        live=live,
    )
    kind_of = await _kinds(session, [v for _, _, v in picks])
    try:
        async with session.begin_nested():
            session.add(attempt)
            await session.flush()
            session.add_all(
                AttemptItem(
                    attempt_id=attempt.id,
                    position=pos,
                    slot_index=slot_index,
                    question_id=qid,
                    version_id=vid,
                    kind=kind_of[vid],
                    seed=item_seed(attempt.seed, pos) if kinds.get(kind_of[vid]).seeded else None,
                    max_points=1.0,
                    time_spent_seconds=0.0,
                )
                for pos, (slot_index, qid, vid) in enumerate(picks)
            )
            await session.flush()
    except IntegrityError as err:
        # another tab started this format at the same moment (the partial unique index)
        raced = await repository.open_attempt(session, user_id=user.id, format_id=fmt.id)
        if raced is None:
            raise Conflict("Could not start the attempt; please try again.") from err
        return raced
    return attempt


async def _kinds(session: AsyncSession, version_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    from sqlalchemy import select

    from app.questions.models import QuestionVersion

    rows = await session.execute(
        select(QuestionVersion.id, QuestionVersion.kind).where(QuestionVersion.id.in_(version_ids))
    )
    return {r[0]: r[1] for r in rows}


async def get_attempt(session: AsyncSession, user: User, attempt_id: uuid.UUID) -> Attempt:
    """The candidate's own attempt (404 for anyone else's), finalised first if its time is over."""
    attempt = await session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotFound("No such attempt.")
    await finalise_if_overdue(session, attempt)
    return attempt


# ---- autosave (the hot path: one statement, no ORM objects) -----------------------------------------


@dataclass(frozen=True)
class SaveRequest:
    base_revision: int
    save_id: str
    value: dict[str, Any]
    kind: str


def parse_answer(payload: dict[str, Any]) -> SaveRequest:
    """The save from a posted form or JSON body; other fields are ignored."""
    text = payload.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        raise TooLarge(f"The answer is longer than {MAX_TEXT_CHARS} characters.")
    number = payload.get("number")
    if isinstance(number, str) and len(number) > MAX_NUMBER_CHARS:
        raise TooLarge(f"The number is longer than {MAX_NUMBER_CHARS} characters.")
    from pydantic import ValidationError

    try:
        answer = AnswerIn.model_validate(payload)
        kind, value = kinds.parse_answer(payload)
    except (ValidationError, ValueError) as err:
        raise Invalid("The answer is not valid.", fields={"answer": str(err).splitlines()[0]}) from err
    return SaveRequest(answer.base_revision, answer.save_id, value, kind)


# one encoder for every save (json.dumps builds a new one per call when given options)
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


async def save_answer(
    db: AutosaveDb, creds: Credentials, *, attempt_id: uuid.UUID, item_id: uuid.UUID, save: SaveRequest
) -> SaveOutcome:
    """Compare-and-swap: store the answer iff the stored revision is still its base; retries get the same outcome."""
    rule = Validity.at(clock.now(), get_settings())
    row = await db.run(
        {
            "session_hash": creds.session_hash,
            "token_hash": creds.token_hash,
            "idle_cutoff": rule.idle_cutoff,
            "absolute_cutoff": rule.absolute_cutoff,
            "slide_before": rule.slide_before,
            "touch_before": rule.touch_before,
            "attempt_id": attempt_id,
            "item_id": item_id,
            "kind": save.kind,
            "now": rule.now,
            "base": save.base_revision,
            "save_id": save.save_id,
            "value": _compact_json(save.value),
            "time_cap": TIME_CAP_SECONDS,
        }
    )
    return decode(row, now=rule.now, via_token=creds.token_hash is not None)


# ---- finalisation --------------------------------------------------------------------------------


async def submit_attempt(session: AsyncSession, user: User, attempt_id: uuid.UUID) -> Attempt:
    """The candidate's submit: finalises once; after the submit window the clock has finalised it."""
    attempt = await session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotFound("No such attempt.")
    if await lifecycle.submit(session, attempt_id, user.id, clock.now()):
        await grade_attempt(session, attempt_id)
    else:
        await finalise_if_overdue(session, attempt)
    await session.refresh(attempt)
    if (
        attempt.state == AttemptState.in_progress
    ):  # pragma: no cover - SUBMIT only fails when it is no longer open
        raise Conflict("The attempt could not be submitted; reload the page.")
    return attempt


async def finalise(session: AsyncSession, attempt_id: uuid.UUID, *, by: str) -> bool:
    """Expire an overdue attempt exactly once (finished_at = deadline); True if this call did it."""
    if not await lifecycle.expire(session, attempt_id, clock.now(), by=by):
        return False
    await grade_attempt(session, attempt_id)
    return True


async def finalise_if_overdue(session: AsyncSession, attempt: Attempt) -> bool:
    """Lazy finalisation on any request after the deadline (+ grace)."""
    if attempt.state != AttemptState.in_progress or not deadlines.is_overdue(
        clock.now(), attempt.deadline_at, attempt.expiry_mode, attempt.grace_seconds
    ):
        return False
    done = await finalise(session, attempt.id, by="deadline")
    await session.refresh(attempt)
    return done


async def list_attempts(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[Attempt, str]]:
    """A candidate's attempts (with format titles), finalising any that are past their deadline."""
    rows = await repository.user_attempts(session, user_id)
    for attempt, _ in rows:
        if attempt.state == AttemptState.in_progress:
            await finalise_if_overdue(session, attempt)  # refreshes the row in place
    return [(a, title) for a, title in rows]


async def grade_attempt(session: AsyncSession, attempt_id: uuid.UUID) -> None:
    """Grade the objective items of a just-finalised attempt; mark it for review if it has free text."""
    rows = await repository.items_with_versions(session, attempt_id)
    total = 0.0
    maximum = 0.0
    needs_review = False
    for item, version, answer in rows:
        score = grading.grade(item.kind, version.data, answer.value if answer else None, seed=item.seed)
        if score is None:
            needs_review = True
            continue
        await session.execute(
            update(AttemptItem).where(AttemptItem.id == item.id).values(score=score * item.max_points)
        )
        total += score * item.max_points
        maximum += item.max_points
    await session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id)
        .values(
            auto_score=round(total, 6) if maximum else None,
            auto_max=maximum or None,
            # an attempt that does not count (strict/grace, never submitted) goes to no mentor
            needs_review=and_(Attempt.counted, literal(needs_review)),
        )
        .execution_options(synchronize_session=False)
    )
    await session.flush()


async def sweep(session: AsyncSession, *, batch: int = 200) -> int | None:
    """Finalise abandoned attempts; None when another process holds the sweep lock."""
    got = (await session.execute(repository.TRY_SWEEP_LOCK, {"key": repository.SWEEP_LOCK_KEY})).scalar()
    if not got:
        return None
    ids = await lifecycle.expire_due(session, clock.now(), batch=batch)
    for attempt_id in ids:
        await grade_attempt(session, attempt_id)
    return len(ids)


# ---- other changes to a running attempt ----------------------------------------------------------


async def next_item(session: AsyncSession, user: User, attempt_id: uuid.UUID, *, position: int) -> Attempt:
    """Linear navigation: move on from `position` (never back)."""
    attempt = await get_attempt(session, user, attempt_id)
    if attempt.state != AttemptState.in_progress or not deadlines.can_save(clock.now(), attempt.deadline_at):
        raise Conflict("The attempt is no longer open.")
    # the page offers "next" on every question but the last: the server says so too (past the last
    # item the candidate would have no question on the page and no way back)
    last = select(func.max(AttemptItem.position)).where(AttemptItem.attempt_id == attempt_id)
    if position >= (await session.execute(last)).scalar_one():
        raise Conflict("This is the last question: there is no next one.")
    await session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt_id,
            Attempt.state == AttemptState.in_progress,
            Attempt.current_position == position,
        )
        .values(current_position=Attempt.current_position + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(attempt)
    return attempt


async def extend_attempt(
    session: AsyncSession,
    admin: User,
    attempt_id: uuid.UUID,
    *,
    minutes: int,
    ip: str | None,
    seen_extended_seconds: int | None = None,
) -> Attempt:
    """Give a running attempt more time (audited). `seen_extended_seconds`: the extension the admin's
    page showed; when it is no longer the stored one (a double click, a second tab or admin that
    extended meanwhile), nothing is added (409) instead of adding the minutes twice."""
    if not 1 <= minutes <= 600:
        raise Invalid("Extend by 1 to 600 minutes.", fields={"minutes": "1 to 600"})
    conditions = [Attempt.id == attempt_id, Attempt.state == AttemptState.in_progress]
    if seen_extended_seconds is not None:
        conditions.append(Attempt.extended_seconds == seen_extended_seconds)
    result = await session.execute(
        update(Attempt)
        .where(*conditions)
        .values(
            deadline_at=Attempt.deadline_at + timedelta(minutes=minutes),
            extended_seconds=Attempt.extended_seconds + minutes * 60,
        )
        .returning(Attempt.user_id, Attempt.deadline_at, Attempt.extended_seconds)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    if row is None:
        current = await session.get(Attempt, attempt_id, populate_existing=True)
        if (
            seen_extended_seconds is not None
            and current is not None
            and current.state == AttemptState.in_progress
        ):
            raise Conflict(
                f"This attempt was extended meanwhile (now by {current.extended_seconds // 60} min in all);"
                " nothing was added. Reload the page to extend it again."
            )
        raise Conflict("Only a running attempt can be extended.")
    user_id = row.user_id
    # the open pages learn it at once (a live session's mentor too: app/live streams the attempt's events)
    await emit(
        session,
        EventKind.attempt_deadline_changed,
        {
            "attempt_id": str(attempt_id),
            "deadline_at": row.deadline_at.isoformat(),
            "extended_seconds": row.extended_seconds,
        },
        Audience(user_ids=(user_id,), attempt_id=attempt_id),
    )
    await audit(
        session,
        "attempt_extended",
        actor_id=admin.id,
        subject=str(user_id),
        ip=ip,
        detail={"attempt_id": str(attempt_id), "minutes": minutes},
    )
    attempt = await session.get(Attempt, attempt_id)
    assert attempt is not None
    await session.refresh(attempt)
    return attempt
