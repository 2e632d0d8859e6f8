"""What the attempt and results pages (and the API) show, built from one query's rows."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.interviews import deadlines, repository
from app.interviews.formats import keys_visible
from app.interviews.models import Attempt, InterviewFormat
from app.interviews.schemas import AttemptRead, AttemptStatus, ItemRead
from app.kit import clock
from app.kit.readmodel import read_model
from app.questions import kinds


async def attempt_read(session: AsyncSession, attempt: Attempt, fmt: InterviewFormat) -> AttemptRead:
    """The attempt with its items; scores and correct answers only once the format's key policy allows."""
    finished = attempt.state != "in_progress"
    keys = keys_visible(fmt, attempt.state)
    now = clock.now()
    items = []
    for item, version, answer in await repository.items_with_versions(session, attempt.id):
        kind = kinds.get(item.kind)
        data = version.data
        options = data.get("options") or []
        view = kind.view(data, seed=item.seed)
        read = ItemRead(
            id=item.id,
            position=item.position,
            kind=item.kind,
            title=version.title,
            prompt_html=kind.prompt_html(version.prompt_html, data, seed=item.seed),
            options_html=[o.get("text_html") or "" for o in options],
            unit=view.get("unit"),
            view=view,
            answer=answer.value if answer else None,
            revision=answer.revision if answer else 0,
            save_id=answer.save_id if answer else None,
            flagged=item.flagged,
        )
        # Free text has no key to harvest: its reference answer comes with the mentor's released
        # feedback (SPEC §5). Objective items follow the format's key policy.
        if finished and (keys or not kind.objective):
            read.score = item.score
            read.correct = kind.correct_options(data)
            read.correct_text = kind.key_text(data, seed=item.seed) or None
            # what the result shows of the answer against the key (parametrised: per part, and the
            # worked solution for this seed's numbers)
            read.view = view | kind.outcome(data, answer.value if answer else None, seed=item.seed)
            if kind.objective or attempt.state == "released":
                read.reference_html = version.reference_html or None
            read.feedback_html = [o.get("feedback_html") or "" for o in options]
        items.append(read)
    return read_model(
        AttemptRead,
        attempt,
        format_title=fmt.title,
        remaining_seconds=deadlines.remaining_seconds(now, attempt.deadline_at) if not finished else 0.0,
        phase=deadlines.phase(now, attempt.deadline_at, attempt.expiry_mode, attempt.grace_seconds)
        if not finished
        else "over",
        keys_shown=keys,
        items=items,
    )


def attempt_status(attempt: Attempt) -> AttemptStatus:
    """State, phase and remaining time of an attempt by the server's clock (no items: cheap)."""
    now = clock.now()
    running = attempt.state == "in_progress"
    return AttemptStatus(
        state=attempt.state,
        phase=deadlines.phase(now, attempt.deadline_at, attempt.expiry_mode, attempt.grace_seconds)
        if running
        else "over",
        remaining_seconds=deadlines.remaining_seconds(now, attempt.deadline_at) if running else 0.0,
        deadline_at=attempt.deadline_at,
        expiry_mode=attempt.expiry_mode,
        submit_until=deadlines.submit_cutoff(attempt.deadline_at, attempt.expiry_mode, attempt.grace_seconds),
    )
