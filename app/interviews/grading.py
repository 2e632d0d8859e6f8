"""Grading objective answers: pure functions over a version's kind data and a stored answer value.

Scores are fractions of the item's credit in [0, 1]; free text is not graded here (mentors do it).
Answer values: single choice {"choice": i}, multiple choice {"choices": [i, …]}, numeric {"number": "…"}.
"""

from __future__ import annotations

import math
from typing import Any

OBJECTIVE = {"single_choice", "multiple_choice", "numeric"}


def option_weights(options: list[dict[str, Any]], *, negative_marks: bool) -> list[float]:
    """Percent of credit per option: explicit weights win; otherwise correct options share 100 and
    wrong ones get 0, or share -100 when the question sets negative marks (so "tick all" earns 0)."""
    n_correct = sum(1 for o in options if o.get("correct"))
    n_wrong = len(options) - n_correct
    weights = []
    for o in options:
        w = o.get("weight")
        if w is not None:
            weights.append(float(w))
        elif o.get("correct"):
            weights.append(100.0 / n_correct if n_correct else 0.0)
        elif negative_marks and n_wrong:
            weights.append(-100.0 / n_wrong)
        else:
            weights.append(0.0)
    return weights


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, x))


def grade_single(data: dict[str, Any], value: dict[str, Any] | None) -> float:
    options = data.get("options") or []
    choice = (value or {}).get("choice")
    if not isinstance(choice, int) or isinstance(choice, bool) or not 0 <= choice < len(options):
        return 0.0
    return 1.0 if options[choice].get("correct") else 0.0


def grade_multiple(data: dict[str, Any], value: dict[str, Any] | None) -> float:
    options = data.get("options") or []
    raw = (value or {}).get("choices")
    if not isinstance(raw, list):
        return 0.0
    chosen = {c for c in raw if isinstance(c, int) and not isinstance(c, bool) and 0 <= c < len(options)}
    weights = option_weights(options, negative_marks=bool(data.get("negative_marks")))
    # negative marks never take the item below zero
    return _clamp(round(sum(weights[i] for i in chosen) / 100.0, 9))


def parse_number(text: object) -> float | None:
    """A number as a person types it: spaces, a leading '+', a decimal comma, a trailing unit are fine."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        x = float(text)
        return x if math.isfinite(x) else None
    if not isinstance(text, str):
        return None
    s = text.strip().replace("\u2212", "-").replace(" ", "")
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    # drop a trailing unit ("3.2m/s"): the longest numeric prefix
    for end in range(len(s), 0, -1):
        try:
            x = float(s[:end])
        except ValueError:
            continue
        return x if math.isfinite(x) else None
    return None


def within_tolerance(x: float, target: float, tolerance: float, mode: str) -> bool:
    allowed = tolerance * abs(target) if mode == "relative" else tolerance
    # a hair of slack for binary floating point (0.1 + 0.2 vs 0.3)
    return abs(x - target) <= allowed + 1e-9 * max(1.0, abs(target))


def grade_numeric(data: dict[str, Any], value: dict[str, Any] | None) -> float:
    spec = data.get("numeric") or {}
    if "value" not in spec:
        return 0.0
    x = parse_number((value or {}).get("number"))
    if x is None:
        return 0.0
    ok = within_tolerance(
        x, float(spec["value"]), float(spec.get("tolerance") or 0.0), spec.get("tolerance_mode", "absolute")
    )
    return 1.0 if ok else 0.0


def grade(kind: str, data: dict[str, Any], value: dict[str, Any] | None) -> float | None:
    """The item's score as a fraction of its credit, or None for kinds mentors grade."""
    if kind == "single_choice":
        return grade_single(data, value)
    if kind == "multiple_choice":
        return grade_multiple(data, value)
    if kind == "numeric":
        return grade_numeric(data, value)
    return None


def correct_answer_text(kind: str, data: dict[str, Any]) -> str:
    """What the results page shows as the right answer (plain text; option HTML is shown separately)."""
    if kind == "numeric":
        spec = data.get("numeric") or {}
        unit = f" {spec['unit']}" if spec.get("unit") else ""
        tol = float(spec.get("tolerance") or 0)
        if not tol:
            return f"{spec.get('value')}{unit}"
        if spec.get("tolerance_mode") == "relative":
            return f"{spec.get('value')}{unit} (± {tol * 100:g} %)"
        return f"{spec.get('value')}{unit} (± {tol:g})"
    return ""
