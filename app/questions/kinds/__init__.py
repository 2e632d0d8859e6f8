"""The question kinds: one module each, behind one interface (`base.QuestionKind`), registered here.

`get(name)` gives a kind, `all()` every kind in display order. Adding a kind: write
`app/questions/kinds/<name>.py` (a `QuestionKind` subclass), its macros in
`templates/kinds/<name>.html`, add it to `_KINDS` and its name to `Kind` below, and test it (docs/DEVELOPING.md).
The kind's name is stored in `question_version.kind` and `attempt_item.kind`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from app.questions.kinds import choice, free_text, matching, numeric, parametrised
from app.questions.kinds.base import QuestionKind, Refused, RenderField

__all__ = ["Kind", "QuestionKind", "Refused", "RenderField", "all", "get", "mentor_graded", "names"]


# The kind names documents, filters and formats accept: one member per registered kind.
# (A comment, not a docstring: it would become the description in docs/native-format.schema.json.)
class Kind(StrEnum):
    free_text = "free_text"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    numeric = "numeric"
    parametrised = "parametrised"
    matching = "matching"


_KINDS: tuple[QuestionKind, ...] = (
    free_text.KIND,
    choice.SINGLE,
    choice.MULTIPLE,
    numeric.KIND,
    parametrised.KIND,
    matching.KIND,
)
_BY_NAME = {k.name: k for k in _KINDS}
assert len(_BY_NAME) == len(_KINDS), "two kinds with one name"
assert set(_BY_NAME) == set(Kind), "every registered kind has a Kind member, and only those"
assert len({k.answer_field for k in _KINDS}) == len(_KINDS), "two kinds with one answer field"


def get(name: str) -> QuestionKind:
    """The kind called `name`; KeyError for an unknown name."""
    return _BY_NAME[name]


def all() -> tuple[QuestionKind, ...]:  # the registry's own name; shadows the builtin here only
    return _KINDS


def names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def mentor_graded() -> list[str]:
    """Names of the kinds a mentor grades on the rubric (not `objective`). In SQL:
    `i.kind = ANY(CAST(:mentor_graded AS text[]))` with `text(…).bindparams(mentor_graded=…)`."""
    return [k.name for k in _KINDS if not k.objective]


def known(name: object) -> bool:
    return isinstance(name, str) and name in _BY_NAME


def parse_answer(payload: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A save's answer → (kind name, stored value): the first kind whose `answer_field` is present.

    ValueError when none is, or when the value is not valid for that kind."""
    for kind in _KINDS:
        raw = payload.get(kind.answer_field)
        if raw is not None:
            return kind.name, kind.parse_answer(raw)
    fields = ", ".join(k.answer_field for k in _KINDS)
    raise ValueError(f"an answer needs one of {fields}")


def list_answer_fields() -> tuple[str, ...]:
    """Answer fields a form posts as repeated values (`choices=0&choices=2`)."""
    return tuple(k.answer_field for k in _KINDS if k.answer_is_list)
