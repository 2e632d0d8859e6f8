"""Interview formats: saving (refused when the bank cannot fill a published one), reading, the draw."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.auth.service import audit
from app.errors import Conflict, Invalid, NotFound
from app.interviews import deadlines, repository
from app.interviews.draw import DrawError, draw
from app.interviews.models import InterviewFormat
from app.interviews.schemas import FormatDoc, Slot
from app.kit import clock


async def draw_versions(
    session: AsyncSession, slots: list[Slot], seed: int
) -> list[tuple[int, uuid.UUID, uuid.UUID]]:
    """(slot index, question id, version id) for every place, or Conflict naming the slot that cannot be filled."""
    pools = [await repository.published_pool(session, slot) for slot in slots]
    try:
        drawn = draw(pools, [s.count for s in slots], seed)
    except DrawError as err:
        slot = slots[err.slot_index]
        raise Conflict(
            f"The question bank cannot fill slot {err.slot_index + 1} ({slot.describe()}): it needs "
            f"{err.needed} published question(s) and only {err.available} are available."
        ) from err
    return [(i, q, v) for i, picks in enumerate(drawn) for q, v in picks]


def _apply(fmt: InterviewFormat, doc: FormatDoc) -> None:
    fmt.slug = doc.slug
    fmt.title = doc.title
    fmt.description = doc.description
    fmt.slots = [s.model_dump(mode="json", exclude_defaults=True) for s in doc.slots]
    fmt.time_limit_seconds = doc.time_limit_seconds
    fmt.soft_limit_seconds = doc.soft_limit_seconds
    fmt.navigation = doc.navigation
    fmt.expiry_mode = doc.expiry_mode.value
    fmt.grace_seconds = doc.grace_seconds
    fmt.reviewers_required = doc.reviewers_required
    fmt.blind_review = doc.blind_review
    fmt.auto_release = doc.auto_release
    fmt.adjudication_shows_originals = doc.adjudication_shows_originals
    fmt.attempts_allowed = doc.attempts_allowed
    fmt.keys_shown = doc.keys_shown
    fmt.updated_at = clock.now()


def keys_visible(fmt: InterviewFormat, attempt_state: str) -> bool:
    """May the candidate see the objective answer keys of an attempt in this state?"""
    if fmt.keys_shown == "at_submit":
        return attempt_state != "in_progress"
    if fmt.keys_shown == "after_release":
        return attempt_state == "released"
    return False


def slots_of(fmt: InterviewFormat) -> list[Slot]:
    return [Slot.model_validate(s) for s in fmt.slots]


def doc_of(fmt: InterviewFormat) -> FormatDoc:
    return FormatDoc(
        slug=fmt.slug,
        title=fmt.title,
        description=fmt.description,
        slots=slots_of(fmt),
        time_limit_minutes=fmt.time_limit_seconds / 60,
        soft_limit_minutes=None if fmt.soft_limit_seconds is None else fmt.soft_limit_seconds / 60,
        navigation=fmt.navigation,
        expiry_mode=deadlines.ExpiryMode(fmt.expiry_mode),
        grace_seconds=fmt.grace_seconds,
        reviewers_required=fmt.reviewers_required,
        blind_review=fmt.blind_review,
        auto_release=fmt.auto_release,
        adjudication_shows_originals=fmt.adjudication_shows_originals,
        attempts_allowed=fmt.attempts_allowed,
        keys_shown=fmt.keys_shown,
        status=fmt.status,
    )


async def set_status(session: AsyncSession, fmt: InterviewFormat, status: str) -> InterviewFormat:
    """Publish (refused when the bank cannot fill every slot), close or return to draft."""
    if status == "published":
        try:
            await draw_versions(session, slots_of(fmt), seed=0)
        except Conflict as err:
            raise Invalid(f"Not published. {err.message}", fields={"slots": err.message}) from err
    fmt.status = status
    fmt.updated_at = clock.now()
    await session.flush()
    return fmt


async def save_format(
    session: AsyncSession, doc: FormatDoc, *, admin: User | None, fmt: InterviewFormat | None = None
) -> InterviewFormat:
    """Create or update a format; publishing runs the fill check."""
    try:
        # the slug is unique (another format, or a concurrent save, may have it): a savepoint keeps
        # the session usable for the 422 page
        async with session.begin_nested():
            if fmt is None:
                fmt = InterviewFormat(status="draft")
                session.add(fmt)
            _apply(fmt, doc)
            await session.flush()
    except IntegrityError as err:
        raise Invalid("A format with this slug exists.", fields={"slug": "Already used."}) from err
    if doc.status != fmt.status:
        await set_status(session, fmt, doc.status)
    if admin is not None:
        await audit(
            session, "format_saved", actor_id=admin.id, subject=str(fmt.id), detail={"title": fmt.title}
        )
    return fmt


async def get_format(session: AsyncSession, format_id: uuid.UUID) -> InterviewFormat:
    fmt = await session.get(InterviewFormat, format_id)
    if fmt is None:
        raise NotFound("No such interview format.")
    return fmt
