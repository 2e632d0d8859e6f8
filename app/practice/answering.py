"""Kind-specific parts of practice: the form's answer → a stored value, grading, what the result shows.

The grading is the same pure code a timed attempt uses at finalisation.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from app.errors import Invalid
from app.questions import kinds
from app.questions.models import QuestionVersion

SEEDS = 2**31  # the range of item seeds (app.interviews.draw.item_seed)


def _ints(raw: Any) -> list[int]:
    values = raw if isinstance(raw, list) else [raw]
    out = []
    for v in values:
        if isinstance(v, str) and v.strip().isdigit():
            out.append(int(v))
    return out


def _seed(raw: object) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and int(raw) < SEEDS else None


def seed_of(version: QuestionVersion, form: Mapping[str, Any]) -> int | None:
    """The seed of the numbers shown (parametrised questions only): the form carries it back."""
    if version.kind != "parametrised":
        return None
    seed = _seed(form.get("seed"))
    if seed is None:
        raise Invalid("The numbers of this question were lost; reload the page.")
    return seed


def parse(version: QuestionVersion, form: Mapping[str, Any]) -> dict[str, Any]:
    """The answer fields of the practice form → the value stored (the attempt's format)."""
    kind = version.kind
    if kind == "free_text":
        text = form.get("text")
        return {"text": text if isinstance(text, str) else ""}
    if kind == "single_choice":
        chosen = _ints(form.get("choice"))
        if not chosen:
            raise Invalid("Choose an option.", fields={"choice": "Choose an option."})
        return {"choice": chosen[0]}
    if kind == "multiple_choice":
        return {"choices": sorted(set(_ints(form.get("choices"))))}
    if kind == "parametrised":
        raw = form.get("parts")
        parts = raw if isinstance(raw, list) else [raw if isinstance(raw, str) else ""]
        if not any(p.strip() for p in parts):
            raise Invalid("Answer at least one part.", fields={"parts": "Answer at least one part."})
        try:
            return kinds.get(kind).parse_answer(parts)
        except ValueError as exc:
            raise Invalid(str(exc), fields={"parts": str(exc)}) from exc
    if kind == "numeric":
        number = form.get("number")
        if not isinstance(number, str) or not number.strip():
            raise Invalid("Enter a number.", fields={"number": "Enter a number."})
        return {"number": number.strip()[:64]}
    # any other kind (matching, …): its own answer field and parsing, as on the attempt page
    spec = kinds.get(kind)
    raw = form.get(spec.answer_field)
    if spec.answer_is_list and not isinstance(raw, list):
        raw = [raw] if isinstance(raw, str) else []
    try:
        return spec.parse_answer(raw)
    except ValueError as exc:
        raise Invalid("Answer every part of the question.", fields={"answer": str(exc)}) from exc


def grade(version: QuestionVersion, value: Mapping[str, Any], seed: int | None) -> float | None:
    return kinds.get(version.kind).grade(version.data, value, seed=seed)


def details(version: QuestionVersion, value: Mapping[str, Any], seed: int | None) -> dict[str, Any]:
    """What the result shows besides the score: options with their feedback, or the right number."""
    data = version.data
    if version.kind in ("single_choice", "multiple_choice"):
        chosen = {value.get("choice")} if version.kind == "single_choice" else set(value.get("choices") or [])
        options = [
            {
                "html": o.get("text_html") or "",
                "chosen": i in chosen,
                "correct": bool(o.get("correct")),
                "feedback_html": o.get("feedback_html") or "",
            }
            for i, o in enumerate(data.get("options") or [])
        ]
        return {"options": options}
    if version.kind == "numeric":
        return {"number": value.get("number"), "correct_text": kinds.get("numeric").key_text(data)}
    if version.kind == "parametrised":
        return kinds.get(version.kind).outcome(data, value, seed=seed)
    if version.kind == "free_text":
        return {}
    # any other kind (matching, …): the kind's own outcome, shown by its `outcome` macro
    return {"kind_outcome": kinds.get(version.kind).outcome(data, value, seed=seed)}


def fresh_seed(version: QuestionVersion, seed: int | None) -> int | None:
    """The seed to show: the one asked for (a shared link), or new numbers (parametrised only)."""
    if version.kind != "parametrised":
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
