"""Grading objective answers: the item's kind grades (app/questions/kinds/), purely.

Scores are fractions of the item's credit in [0, 1]; None for kinds mentors grade (free text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.questions import kinds


def grade(
    kind: str, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
) -> float | None:
    """The item's score as a fraction of its credit, or None for kinds mentors grade."""
    return kinds.get(kind).grade(data, value, seed=seed)


def correct_answer_text(kind: str, data: Mapping[str, Any], *, seed: int | None = None) -> str:
    """What the results page shows as the right answer (plain text; option HTML is shown separately)."""
    return kinds.get(kind).key_text(data, seed=seed)
