"""Self-assessment rules: who may predict what and when; the calibration read model. Flush, never commit."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.calibration import gaps, repository
from app.errors import Conflict, Invalid
from app.interviews.models import Attempt
from app.kit import clock
from app.kit.digits import whole_number
from app.reviews.rules import effective_rubric

# after submitting and until the feedback is released (a strict-mode attempt that did not count
# goes to no mentor, so there is nothing to calibrate against)
OPEN_STATES = ("submitted", "expired", "in_review", "reviewed")


def may_predict(attempt: Attempt) -> bool:
    return attempt.state in OPEN_STATES and attempt.counted


@dataclass(frozen=True)
class PredictionItem:
    item_id: uuid.UUID
    position: int
    title: str
    prompt_html: str
    criteria: list[dict[str, Any]]
    levels: list[int | None]
    answer: str = ""


async def prediction_items(session: AsyncSession, attempt: Attempt) -> list[PredictionItem]:
    out = []
    for item, version, stored in await repository.free_text_items(session, attempt.id):
        criteria = effective_rubric(version.rubric)["criteria"]
        levels = list(stored or [])
        levels += [None] * (len(criteria) - len(levels))
        out.append(
            PredictionItem(
                item.id, item.position, version.title, version.prompt_html, criteria, levels[: len(criteria)]
            )
        )
    return out


def parse_levels(form: dict[str, str], criteria: list[dict[str, Any]]) -> list[int | None]:
    """`level-<c>` form fields → level index per criterion (None: not predicted); Invalid when out of range."""
    levels: list[int | None] = []
    errors: dict[str, str] = {}
    for c, crit in enumerate(criteria):
        raw = (form.get(f"level-{c}") or "").strip()
        if not raw:
            levels.append(None)
        elif (level := whole_number(raw, below=len(crit.get("levels") or []))) is not None:
            levels.append(level)
        else:
            errors[f"level-{c}"] = "Pick one of the levels."
    if errors:
        raise Invalid("Pick one of the rubric's levels.", fields=errors)
    return levels


async def save_prediction(
    session: AsyncSession, user: User, attempt: Attempt, item: PredictionItem, form: dict[str, str]
) -> datetime:
    """Store the candidate's predicted levels for one free-text item; 409 once feedback is released."""
    levels = parse_levels(form, item.criteria)
    saved = await repository.upsert(
        session,
        attempt=attempt.id,
        me=user.id,
        item=item.item_id,
        levels=json.dumps(levels),
        now=clock.now(),
    )
    if saved is None:
        raise Conflict("Predictions close when your feedback is released.")
    return saved  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Calibration:
    areas: list[gaps.AreaCalibration]
    weekly: dict[str, list[gaps.Week]]
    waiting_practice: int


async def calibration(session: AsyncSession, user_id: uuid.UUID) -> Calibration:
    pairs = await repository.pairs(session, user_id)
    return Calibration(
        gaps.by_area(pairs), gaps.weekly(pairs), await repository.waiting_practice(session, user_id)
    )
