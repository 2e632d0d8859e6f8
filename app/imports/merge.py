"""A lossy format never destroys: compare only what it carries, change only that. Pure module.

GIFT and Moodle XML cannot hold rubrics, follow-ups, difficulty, … . Re-importing a question
that exists (same external id) compares the file's version with what the format makes of the
stored version — the stored document written and read back through the same format, so every
normalisation (default weights, relative tolerances written as absolute, float formatting) is
the same on both sides. Equal → unchanged. Different → the new version is the stored document
with only the changed, carried fields replaced: everything the format cannot carry is inherited.
CARRIES is the safety net: a field outside it is never taken from the file.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from app.imports import gift, gift_writer, moodle_xml
from app.imports.common import validation_messages
from app.questions.native import QuestionDoc

_GIFT = {
    "title",
    "kind",
    "prompt",
    "reference_answer",
    "options",
    "negative_marks",
    "numeric.value",
    "numeric.tolerance",
    "numeric.tolerance_mode",
    "pairs",
    "tags",
}
CARRIES: dict[str, set[str]] = {
    "gift": _GIFT,
    "moodle-xml": _GIFT | {"numeric.unit", "rubric.notes", "hints"},
}
_ROUND_TRIP: dict[str, Any] = {
    "gift": (gift_writer.write, gift.parse),
    "moodle-xml": (moodle_xml.write, moodle_xml.parse),
}
_NOT_COMPARED = {"topic", "external_id", "provenance"}  # matched, resolved or set by the import itself


def is_lossy(fmt: str) -> bool:
    return fmt in CARRIES


def as_the_format_carries(doc: QuestionDoc, fmt: str) -> QuestionDoc | None:
    """The document written in `fmt` and read back (None if the format cannot read it back)."""
    write, parse = _ROUND_TRIP[fmt]
    text, _ = write([doc], {})
    # line ends as an import reads a file (service.decode): a stored "\r\n" comes back as "\n"
    items = parse(text.replace("\r\n", "\n").replace("\r", "\n")).items
    if len(items) != 1 or items[0].doc is None or items[0].problems:
        return None
    result: QuestionDoc = items[0].doc
    return result


def merge(
    existing: QuestionDoc, imported: QuestionDoc, fmt: str
) -> tuple[list[str], QuestionDoc | None, str]:
    """(changed fields, the new version's document or None if unchanged, a problem or "")."""
    carries = CARRIES[fmt]
    base = as_the_format_carries(existing, fmt) or existing
    changes: list[str] = []
    update: dict[str, Any] = {}
    for name in QuestionDoc.model_fields:
        if name in _NOT_COMPARED:
            continue
        new, old = getattr(imported, name), getattr(base, name)
        if new == old:
            continue
        if isinstance(new, BaseModel) and isinstance(old, BaseModel):
            parts = {
                sub: getattr(new, sub)
                for sub in type(new).model_fields
                if f"{name}.{sub}" in carries and getattr(new, sub) != getattr(old, sub)
            }
            if parts:
                stored = getattr(existing, name)
                update[name] = stored.model_copy(update=parts) if stored is not None else new
                changes += [f"{name}.{sub}" for sub in parts]
        elif name in carries or any(c.startswith(name + ".") for c in carries):
            update[name] = new
            changes.append(name)
    if not update:
        return [], None, ""
    try:
        merged = QuestionDoc.model_validate({**existing.model_dump(), **_dumped(update)})
    except ValidationError as exc:
        return changes, None, "; ".join(validation_messages(exc))
    return changes, merged, ""


def _dumped(update: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in update.items():
        if isinstance(value, BaseModel):
            out[key] = value.model_dump()
        elif isinstance(value, list):
            out[key] = [v.model_dump() if isinstance(v, BaseModel) else v for v in value]
        else:
            out[key] = value
    return out
