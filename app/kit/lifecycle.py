"""The mechanism the lifecycle modules share: named transitions between the states of a `StrEnum`,
each run as one conditional UPDATE (`... WHERE state IN allowed_from ... RETURNING`), so the first
caller wins and a racing or repeated one gets no row back.

Each aggregate keeps its states and its table of allowed transitions in its own lifecycle module
(app/interviews/lifecycle.py, app/reviews/lifecycle.py, app/reviews/adjudication_lifecycle.py,
app/live/lifecycle.py); only those modules use this one (tests/test_lifecycle_owner.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Update, literal, update

StateT = TypeVar("StateT", bound=StrEnum)


@dataclass(frozen=True)
class Transition(Generic[StateT]):
    name: str
    allowed_from: tuple[StateT, ...]  # () : the row is created by this transition (an INSERT)
    to: StateT


def table(*transitions: Transition[StateT]) -> dict[str, Transition[StateT]]:
    """The transitions by name."""
    by_name = {t.name: t for t in transitions}
    if len(by_name) != len(transitions):
        raise ValueError("two transitions share a name")
    return by_name


def in_states(column: Any, states: Sequence[StrEnum]) -> ColumnElement[bool]:
    """`column IN (...)` with the values inlined, so partial indexes on `state = '...'` apply."""
    values = [literal(s.value, literal_execute=True) for s in states]
    found: ColumnElement[bool] = column == values[0] if len(values) == 1 else column.in_(values)
    return found


def move(
    column: Any,
    transition: Transition[Any],
    *where: ColumnElement[bool],
    values: Mapping[str, Any] | None = None,
    returning: Sequence[Any] = (),
) -> Update:
    """The UPDATE that runs `transition` on the rows matching `where` whose state `column` (a mapped
    attribute: `Attempt.state`) is one of its allowed states, setting `values` too; it returns
    `returning`."""
    return (
        update(column.class_)
        .where(in_states(column, transition.allowed_from), *where)
        .values({column.key: transition.to.value, **(values or {})})
        .returning(*returning)
        .execution_options(synchronize_session=False)
    )
