"""Practice through the question kinds: the form's answer → a stored value, grading, what the result
shows. Nothing here names a kind: each kind's module says how (`practice_answer`, `grade`,
`outcome`, `seeded`; app/questions/kinds/base.py), and its template's `practice_answer` and
`practice_result` macros show the form and the result.

The grading is the same pure code a timed attempt uses at finalisation.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from app.errors import Invalid
from app.kit.digits import whole_number
from app.questions import kinds
from app.questions.models import QuestionVersion

SEEDS = 2**31  # the range of item seeds (app.interviews.draw.item_seed)


def _seed(raw: object) -> int | None:
    return whole_number(raw, below=SEEDS)


def seed_of(version: QuestionVersion, form: Mapping[str, Any]) -> int | None:
    """The seed of the content shown (seeded kinds only): the form carries it back."""
    if not kinds.get(version.kind).seeded:
        return None
    seed = _seed(form.get("seed"))
    if seed is None:
        raise Invalid("The numbers of this question were lost; reload the page.")
    return seed


def parse(version: QuestionVersion, form: Mapping[str, Any]) -> dict[str, Any]:
    """The answer fields of the practice form → the value stored (the attempt's format)."""
    try:
        return kinds.get(version.kind).practice_answer(form)
    except kinds.Refused as exc:
        raise Invalid(str(exc), fields={exc.field: str(exc)}) from exc


def grade(version: QuestionVersion, value: Mapping[str, Any], seed: int | None) -> float | None:
    return kinds.get(version.kind).grade(version.data, value, seed=seed)


def details(version: QuestionVersion, value: Mapping[str, Any], seed: int | None) -> dict[str, Any]:
    """What the result shows besides the score: the kind's outcome (options with their feedback,
    the right number, the parts, …), shown by its `practice_result` macro."""
    return kinds.get(version.kind).outcome(version.data, value, seed=seed)


def fresh_seed(version: QuestionVersion, seed: int | None) -> int | None:
    """The seed to show: the one asked for (a shared link), or new content (seeded kinds only)."""
    if not kinds.get(version.kind).seeded:
        return None
    return seed if seed is not None and 0 <= seed < SEEDS else secrets.randbelow(SEEDS)


def shown(version: QuestionVersion, seed: int | None) -> dict[str, Any]:
    """What the page shows for this version (and seed): the prompt HTML and the kind's view."""
    kind = kinds.get(version.kind)
    return {
        "prompt_html": kind.prompt_html(version.prompt_html, version.data, seed=seed),
        "view": kind.view(version.data, seed=seed),
        "seed": seed,
    }
