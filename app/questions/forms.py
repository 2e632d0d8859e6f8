"""The question editor form: indexed field names ↔ a QuestionDoc. Pure module (no I/O).

Field names follow the document's paths joined with `-` (`options-0-text`,
`rubric-criteria-1-levels-0-descriptor`), so a validation error's location names the field.
Rows are added, removed and moved with submit buttons (`action=add:options`,
`remove:rubric-criteria:1`, `up:hints:2`), which works without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from app.questions import kinds
from app.questions.native import QuestionDoc

NOT_FIELDS = {"csrf_token", "action", "base_version"}
MAX_INDEX = 99
# The lists the editor can add rows to, with what a new row looks like.
# A kind's own lists (options, pairs, …) come from its `editor_lists`.
_KIND_LISTS = {path: n for k in kinds.all() for path, n in k.editor_lists.items()}
LIST_PATHS = re.compile(
    r"^(rubric-criteria|rubric-criteria-\d{1,2}-levels|rubric-key_points|"
    r"rubric-misconceptions|follow_ups|hints|" + "|".join(map(re.escape, _KIND_LISTS)) + r")$"
)
ACTION = re.compile(r"^(add|remove|up|down):([a-z_0-9-]+?)(?::(\d{1,2}))?$")
STRING_LISTS = ("rubric-key_points", "hints")
# How many rows the editor always shows (blank ones are ignored on save).
MINIMUM_ROWS = {
    **_KIND_LISTS,
    "rubric-criteria": 1,
    "rubric-criteria-N-levels": 2,
    "rubric-key_points": 1,
    "rubric-misconceptions": 1,
    "follow_ups": 1,
    "hints": 1,
}


def unflatten(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """`a-0-b=x` → `{"a": [{"b": "x"}]}`; numeric segments become list positions (gaps closed)."""
    root: dict[Any, Any] = {}
    for key, value in items:
        if key in NOT_FIELDS or not isinstance(value, str):
            continue
        parts: list[Any] = [int(p) if p.isascii() and p.isdigit() else p for p in key.split("-")]
        if any(p == "" or (isinstance(p, int) and p > MAX_INDEX) for p in parts):
            continue
        node = root
        ok = True
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                ok = False
                break
            node = child
        if ok and not isinstance(node.get(parts[-1]), dict):
            # browsers post textarea line breaks as CRLF: store them as the documents hold them
            node[parts[-1]] = value.replace("\r\n", "\n").replace("\r", "\n")
    return _as_lists(root)  # type: ignore[no-any-return]


def _as_lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_as_lists(node[k]) for k in sorted(node)]
        return {str(k): _as_lists(v) for k, v in node.items()}
    return node


def _blank(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for k, v in value.items() if k not in ("correct", "tolerance_mode"))
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(value: Any) -> list[Any]:
    """A list of non-blank rows (a stray scalar where a list belongs is ignored)."""
    return [v for v in value if not _blank(v)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _none_if_blank(value: Any) -> Any:
    return None if _blank(value) else value


def to_document_data(raw: dict[str, Any]) -> dict[str, Any]:
    """The editor's raw values → the shape QuestionDoc validates. Blank rows are dropped."""
    kind = raw.get("kind", "")
    data: dict[str, Any] = {
        key: raw.get(key, "")
        for key in ("topic", "title", "kind", "prompt", "reference_answer", "difficulty", "estimated_minutes")
    }
    if ext := str(raw.get("external_id") or "").strip():
        data["external_id"] = ext
    tags = str(raw.get("tags") or "")
    data["tags"] = [t for t in re.split(r"[\s,]+", tags) if t]
    if kinds.known(kind):
        data.update(kinds.get(kind).editor_values(raw))
    rubric = _dict(raw.get("rubric"))
    data["rubric"] = {
        "criteria": [
            {
                "name": c.get("name", ""),
                "points": c.get("points", ""),
                "levels": [lv for lv in _rows(c.get("levels")) if isinstance(lv, dict)],
            }
            for c in _rows(rubric.get("criteria"))
            if isinstance(c, dict)
        ],
        "key_points": [k for k in _rows(rubric.get("key_points")) if isinstance(k, str)],
        "misconceptions": [m for m in _rows(rubric.get("misconceptions")) if isinstance(m, dict)],
        "notes": rubric.get("notes", ""),
    }
    data["follow_ups"] = [f for f in _rows(raw.get("follow_ups")) if isinstance(f, dict)]
    data["hints"] = [h for h in _rows(raw.get("hints")) if isinstance(h, str)]
    prov = _dict(raw.get("provenance"))
    data["provenance"] = {
        "origin": prov.get("origin") or "original",
        **{k: _none_if_blank(prov.get(k)) for k in ("source_url", "licence", "attribution")},
    }
    return data


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors keyed by form field name (`form` for whole-document rules)."""
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = err["loc"][:1] if err["loc"][:1] == ("tags",) else err["loc"]  # one text field holds all tags
        key = "-".join(str(p) for p in loc) or "form"
        message = str(err["msg"]).removeprefix("Value error, ")
        errors.setdefault(key, message[:1].upper() + message[1:])
    return errors


def parse_document(raw: dict[str, Any]) -> QuestionDoc:
    """Validate the editor's values; raises ValidationError (see field_errors)."""
    return QuestionDoc.model_validate(to_document_data(raw))


def label_for(key: str) -> str:
    """A readable name for a field key: `rubric-criteria-0-levels-1` → `Rubric criterion 1, level 2`."""
    if key == "form":
        return "Question"
    parts = key.replace(".", "-").split("-")
    words: list[str] = []
    names = {
        "options": "option",
        "criteria": "criterion",
        "levels": "level",
        "key_points": "key point",
        "misconceptions": "misconception",
        "follow_ups": "follow-up",
        "hints": "hint",
    }
    i = 0
    while i < len(parts):
        part = parts[i]
        if part in names and i + 1 < len(parts) and parts[i + 1].isascii() and parts[i + 1].isdigit():
            words.append(f"{names[part]} {int(parts[i + 1]) + 1}")
            i += 2
            continue
        words.append(part.replace("_", " "))
        i += 1
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def apply_action(raw: dict[str, Any], action: str) -> bool:
    """Add, remove or move one row in the raw values; False when the action is not understood."""
    match = ACTION.match(action)
    if not match or not LIST_PATHS.match(match.group(2)):
        return False
    op, path, index = match.group(1), match.group(2), match.group(3)
    node: Any = raw
    parts: list[Any] = [int(p) if p.isascii() and p.isdigit() else p for p in path.split("-")]
    for part in parts[:-1]:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node) or not isinstance(node[part], dict):
                return False
            node = node[part]
        else:
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
    rows = node.get(parts[-1])
    if not isinstance(rows, list):
        rows = node[parts[-1]] = []
    if op == "add":
        # the editor shows blank rows up to a minimum: a new row comes after those
        generic = re.sub(r"-\d+-", "-N-", path)
        while len(rows) < MINIMUM_ROWS.get(generic, 0):
            rows.append("" if path in STRING_LISTS else {})
        if len(rows) < MAX_INDEX:
            rows.append("" if path in STRING_LISTS else {})
        return True
    if index is None or int(index) >= len(rows):
        return False
    i = int(index)
    if op == "remove":
        rows.pop(i)
    elif op == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif op == "down" and i + 1 < len(rows):
        rows[i + 1], rows[i] = rows[i], rows[i + 1]
    return True


def _pad(rows: Any, minimum: int, blank: Any) -> list[Any]:
    out = list(rows) if isinstance(rows, list) else []
    while len(out) < minimum:
        out.append(dict(blank) if isinstance(blank, dict) else blank)
    return out


def editor_state(raw: dict[str, Any]) -> dict[str, Any]:
    """The values the editor template renders: every key present, lists padded with blank rows."""
    rubric = _dict(raw.get("rubric"))
    criteria = []
    for c in _pad(rubric.get("criteria"), MINIMUM_ROWS["rubric-criteria"], {}):
        c = c if isinstance(c, dict) else {}
        criteria.append({**c, "levels": _pad(c.get("levels"), MINIMUM_ROWS["rubric-criteria-N-levels"], {})})
    state = dict(raw)
    for kind in kinds.all():  # the editor holds every kind's fields (the script shows the chosen kind's)
        state.update(kind.editor_state(raw))
    state.update(
        {
            **{path: _pad(raw.get(path), n, {}) for path, n in _KIND_LISTS.items()},
            "rubric": {
                **rubric,
                "criteria": criteria,
                "key_points": _pad(rubric.get("key_points"), MINIMUM_ROWS["rubric-key_points"], ""),
                "misconceptions": _pad(
                    rubric.get("misconceptions"), MINIMUM_ROWS["rubric-misconceptions"], {}
                ),
            },
            "follow_ups": _pad(raw.get("follow_ups"), MINIMUM_ROWS["follow_ups"], {}),
            "hints": _pad(raw.get("hints"), MINIMUM_ROWS["hints"], ""),
            "provenance": _dict(raw.get("provenance")),
        }
    )
    return state


def raw_from_document(doc: QuestionDoc) -> dict[str, Any]:
    """A document as editor values (for editing and duplicating)."""
    raw = doc.model_dump(mode="json")
    raw["tags"] = ", ".join(doc.tags)
    if "negative_marks" not in kinds.get(doc.kind).doc_fields:
        raw.pop("negative_marks", None)
    return raw
