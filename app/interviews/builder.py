"""The format builder: slots as form rows (no YAML, no UUIDs on screen), the question picker,
the time estimate and the preview a candidate would see.

A slot row's fields are `slots-<i>-<field>`; rows are added, moved and removed with the form's
own submit buttons (`action=up:2`, `add:<question id>`, `add-draw`), like the question editor,
so the builder works without JavaScript. Nothing is saved until the admin presses Save.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, Invalid
from app.interviews import repository
from app.interviews.draw import item_seed
from app.interviews.formats import draw_versions
from app.interviews.schemas import FormatDoc, Slot
from app.questions import kinds
from app.questions import repository as bank
from app.questions.models import Question, QuestionVersion
from app.questions.schemas import ListParams

SLOT_FIELD = re.compile(
    r"^slots-(\d{1,2})-(question_id|external_id|count|topic|tags|kinds|min_difficulty|max_difficulty)$"
)
ACTION = re.compile(
    r"^(?:(up|down|remove):(\d{1,2})|add:([0-9a-f-]{36})|(add-draw|search|check|preview|yaml))$"
)
PICKER_FIELDS = ("q", "topic", "tag", "difficulty", "kind")
PICKER_PAGE = 10


def blank_row() -> dict[str, Any]:
    return {"question_id": "", "external_id": "", "count": "1", "topic": "", "tags": "", "kinds": []}


def rows_from_form(items: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The posted slot rows in their order (`slots-0-count`, `slots-0-kinds` repeated, …)."""
    rows: dict[int, dict[str, Any]] = {}
    for key, value in items:
        match = SLOT_FIELD.match(key)
        if match is None or not isinstance(value, str):
            continue
        row = rows.setdefault(int(match.group(1)), blank_row())
        if match.group(2) == "kinds":
            row["kinds"].append(value)
        else:
            row[match.group(2)] = value.strip()
    return [rows[i] for i in sorted(rows)]


def row_of(slot: Slot) -> dict[str, Any]:
    return {
        "question_id": str(slot.question_id or ""),
        "external_id": slot.external_id or "",
        "count": str(slot.count),
        "topic": slot.topic or "",
        "tags": ", ".join(slot.tags),
        "kinds": [k.value for k in slot.kinds],
        "min_difficulty": str(slot.min_difficulty),
        "max_difficulty": str(slot.max_difficulty),
    }


def slot_data(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the Slot model reads it (validation happens there)."""
    if row.get("question_id"):
        return {"question_id": row["question_id"]}
    if row.get("external_id"):
        return {"external_id": row["external_id"]}
    data: dict[str, Any] = {
        "count": row.get("count") or 1,
        "min_difficulty": row.get("min_difficulty") or 1,
        "max_difficulty": row.get("max_difficulty") or 3,
    }
    if row.get("topic"):
        data["topic"] = row["topic"]
    tags = [t for t in re.split(r"[,\s]+", str(row.get("tags", "")).lower()) if t]
    if tags:
        data["tags"] = tags
    if row.get("kinds"):
        data["kinds"] = list(row["kinds"])
    return data


def rows_from_yaml(slots: Any) -> list[dict[str, Any]]:
    """Slots pasted as YAML (already parsed) → rows, or Invalid naming the slot."""
    if not isinstance(slots, list):
        raise Invalid("Please correct the YAML.", fields={"slots_yaml": "Expected a list of slots."})
    rows = []
    for i, data in enumerate(slots):
        try:
            rows.append(row_of(Slot.model_validate(data)))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = f"Slot {i + 1}{': ' + where if where else ''}: {first['msg']}"
            raise Invalid("Please correct the YAML.", fields={"slots_yaml": message}) from err
    return rows


@dataclass
class Picker:
    """The question picker's filters (`pick-q`, `pick-topic`, …) and, once searched, a page of results."""

    values: dict[str, str]
    params: ListParams | None = None
    page: bank.Page | None = None

    @classmethod
    def of(cls, form: dict[str, Any]) -> Picker:
        values = {name: str(form.get(f"pick-{name}", "")).strip() for name in PICKER_FIELDS}
        try:
            params = ListParams.model_validate({**values, "per_page": PICKER_PAGE})
        except ValidationError:
            params = None
        return cls(values, params)

    @property
    def used(self) -> bool:
        return any(self.values.values())


def apply_action(
    rows: list[dict[str, Any]], action: str, picker: Picker, topic_paths: dict[int, str]
) -> tuple[str, str]:
    """Change the rows for one builder button; returns (what happened, the element to focus)."""
    match = ACTION.match(action)
    if match is None:
        raise Invalid("That form button is not understood.")
    move, index, question_id, other = match.groups()
    if question_id is not None:
        rows.append({**blank_row(), "question_id": question_id})
        return f"Question added as slot {len(rows)}.", f"slot-{len(rows) - 1}"
    if other == "add-draw":
        p = picker.params or ListParams()
        row = {**blank_row(), "topic": topic_paths.get(p.topic or 0, ""), "tags": p.tag or ""}
        row["kinds"] = [p.kind.value] if p.kind else []
        if p.difficulty:
            row["min_difficulty"] = row["max_difficulty"] = str(p.difficulty)
        rows.append(row)
        return f"Drawn slot added as slot {len(rows)}.", f"slot-{len(rows) - 1}"
    if other is not None:
        return "", "picker-results" if other == "search" else ""
    i = int(index)
    if i >= len(rows):
        raise Invalid("That slot is no longer there.")
    if move == "remove":
        rows.pop(i)
        return f"Slot {i + 1} removed.", "slots-h"
    j = i - 1 if move == "up" else i + 1
    if not 0 <= j < len(rows):
        return "", f"{move}-{i}"
    rows[i], rows[j] = rows[j], rows[i]
    # focus follows the moved slot: its same button, or the other one at the end of the list
    at_edge = j == 0 if move == "up" else j == len(rows) - 1
    focus = f"{'down' if move == 'up' else 'up'}-{j}" if at_edge else f"{move}-{j}"
    return f"Slot {i + 1} moved {move} to position {j + 1}.", focus


@dataclass
class SlotView:
    """One row as the builder shows it: what it is, how many published questions it can use,
    and how long its questions are estimated to take."""

    index: int
    row: dict[str, Any]
    fixed: bool
    slot: Slot | None = None
    title: str = ""
    topic: str = ""
    status: str = ""
    difficulty: int | None = None
    kind: str = ""
    available: int = 0
    minutes: tuple[float, float, float] = (0, 0, 0)  # shortest draw, expected, longest draw
    problems: list[str] = field(default_factory=list)


@dataclass
class Estimate:
    low: float
    expected: float
    high: float
    limit_minutes: float | None

    @property
    def over(self) -> bool:
        return self.limit_minutes is not None and self.expected > self.limit_minutes

    @property
    def may_exceed(self) -> bool:
        return self.limit_minutes is not None and not self.over and self.high > self.limit_minutes


async def _fixed_question(session: AsyncSession, slot: Slot) -> Any:
    stmt = (
        select(
            Question.status,
            QuestionVersion.title,
            QuestionVersion.difficulty,
            QuestionVersion.kind,
            QuestionVersion.estimated_minutes,
            bank.TOPIC.c.name.label("topic_name"),
            bank.AREA.c.name.label("area_name"),
        )
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(bank.TOPIC, bank.TOPIC.c.id == Question.topic_id)
        .outerjoin(bank.AREA, bank.AREA.c.id == bank.TOPIC.c.parent_id)
    )
    if slot.question_id is not None:
        stmt = stmt.where(Question.id == slot.question_id)
    else:
        stmt = stmt.where(Question.external_id == slot.external_id)
    return (await session.execute(stmt)).first()


async def slot_views(session: AsyncSession, rows: list[dict[str, Any]]) -> list[SlotView]:
    """Each row with its question (fixed) or its pool size and minutes (drawn)."""
    views = []
    for i, row in enumerate(rows):
        view = SlotView(i, row, fixed=bool(row.get("question_id") or row.get("external_id")))
        try:
            view.slot = slot = Slot.model_validate(slot_data(row))
        except ValidationError as err:
            view.problems = [e["msg"] for e in err.errors()]
            views.append(view)
            continue
        if slot.is_fixed:
            found = await _fixed_question(session, slot)
            if found is None:
                view.problems.append("No such question.")
            else:
                view.title, view.status, view.difficulty, view.kind = (
                    found.title,
                    found.status,
                    found.difficulty,
                    found.kind,
                )
                view.topic = (
                    f"{found.area_name} › {found.topic_name}" if found.area_name else found.topic_name
                )
                view.available = int(found.status == "published")
                view.minutes = (found.estimated_minutes,) * 3
                if found.status != "published":
                    view.problems.append(
                        f"This question is {found.status}: only published questions are drawn."
                    )
        else:
            minutes = sorted(await repository.pool_minutes(session, slot))
            view.available = len(minutes)
            n = min(slot.count, len(minutes))
            if minutes:
                view.minutes = (sum(minutes[:n]), n * sum(minutes) / len(minutes), sum(minutes[-n:]))
            if len(minutes) < slot.count:
                view.problems.append(
                    f"Needs {slot.count} published question(s); only {len(minutes)} match: "
                    "the format cannot be published like this."
                )
        views.append(view)
    return views


def estimate(views: list[SlotView], limit: Any) -> Estimate:
    try:
        limit_minutes: float | None = float(limit)
    except (TypeError, ValueError):
        limit_minutes = None
    return Estimate(
        low=sum(v.minutes[0] for v in views),
        expected=round(sum(v.minutes[1] for v in views), 1),
        high=sum(v.minutes[2] for v in views),
        limit_minutes=limit_minutes,
    )


@dataclass
class PreviewItem:
    title: str
    kind: str
    prompt_html: str
    options_html: list[str]
    unit: str | None


async def preview_items(session: AsyncSession, doc: FormatDoc, seed: int | None = None) -> list[PreviewItem]:
    """One possible draw of the format (a random seed each time), as the attempt page shows it."""
    used = seed if seed is not None else random.randrange(2**31)
    try:
        drawn = await draw_versions(session, doc.slots, used)
    except Conflict as err:
        raise Invalid(err.message, fields={"slots": err.message}) from err
    ids = [v for _, _, v in drawn]
    versions = {
        v.id: v
        for v in (await session.execute(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))).scalars()
    }
    items = []
    for pos, version_id in enumerate(ids):
        v = versions[version_id]
        options = v.data.get("options") or []
        # a seeded (parametrised) question shows one possible set of numbers, as a candidate would see it
        sample_seed = item_seed(used, pos) if kinds.get(v.kind).seeded else None
        items.append(
            PreviewItem(
                title=v.title,
                kind=v.kind,
                prompt_html=kinds.get(v.kind).prompt_html(v.prompt_html, v.data, seed=sample_seed),
                options_html=[o.get("text_html") or "" for o in options],
                unit=(v.data.get("numeric") or {}).get("unit"),
            )
        )
    return items


def focus_id(value: str) -> str:
    """Only ids the builder renders may be focused (the value comes back in the page)."""
    return value if re.fullmatch(r"[a-z-]{1,20}(?:-\d{1,2})?", value) else ""
