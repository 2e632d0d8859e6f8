"""Native JSON: the lossless, schema-versioned format (BankDoc). Pure module.

`write` is canonical (fixed key order, two-space indent, UTF-8, final newline), so
export → import → export gives the same bytes. `python -m app.imports.native_json` regenerates
docs/native-format.schema.json from BankDoc.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import ValidationError

from app.config import ROOT
from app.imports.common import Parsed, ParseResult, Problem, build_doc, validation_messages
from app.questions.native import FORMAT_VERSION, AreaDoc, BankDoc

SCHEMA_PATH = ROOT / "docs" / "native-format.schema.json"


def parse(text: str, *, limit: int | None = None) -> ParseResult:
    """Read a native JSON bank; stop past `limit` questions."""
    result = ParseResult(format="json")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(
            Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg} (column {exc.colno})")
        )
        return result
    if not isinstance(raw, dict):
        result.problems.append(Problem("file", "expected a JSON object with format_version and questions"))
        return result
    version = raw.get("format_version")
    # The integer itself: JSON's true and 1.0 compare equal to 1 in Python but are not version 1.
    if type(version) is not int or version != FORMAT_VERSION:
        result.problems.append(
            Problem(
                "format_version",
                f"unsupported format_version {json.dumps(version)} (this version reads {FORMAT_VERSION})",
            )
        )
        return result
    if extra := sorted(set(raw) - set(BankDoc.model_fields)):
        result.problems.append(Problem("file", f"unknown top-level fields: {', '.join(extra)}"))
    areas, questions = raw.get("areas", []), raw.get("questions", [])
    if not isinstance(areas, list) or not isinstance(questions, list):
        result.problems.append(Problem("file", "areas and questions must be lists"))
        return result
    for i, a in enumerate(areas):
        try:
            area = AreaDoc.model_validate(a)
        except ValidationError as exc:
            result.problems += [Problem(f"areas[{i}]", m) for m in validation_messages(exc)]
            continue
        # a slug listed twice (with other names or topics) cannot be read one way: refuse, do not pick
        if any(seen.slug == area.slug for seen in result.areas):
            result.problems.append(Problem(f"areas[{i}]", f"area {area.slug!r} is listed twice"))
        slugs = [t.slug for t in area.topics]
        for j, slug in enumerate(slugs):
            if slug in slugs[:j]:
                where = f"areas[{i}].topics[{j}]"
                result.problems.append(Problem(where, f"topic '{area.slug}/{slug}' is listed twice"))
        result.areas.append(area)
    for i, q in enumerate(questions):
        where = f"questions[{i}]"
        q = q if isinstance(q, dict) else {}
        doc, messages = build_doc(q)
        title = str(q.get("title") or f"Question {i + 1}")[:200]
        kind = str(q.get("kind") or "?")
        result.items.append(
            Parsed(i + 1, where, title, kind, doc, None, [Problem(where, m) for m in messages])
        )
        if result.full(limit):
            break
    return result


def dump(bank: BankDoc) -> str:
    """The canonical text of a bank."""
    return json.dumps(bank.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def schema() -> dict[str, Any]:
    s = BankDoc.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://mlmock.example/schemas/native-format.schema.json",
        "title": "mlmock native question bank",
        "description": (
            "The lossless export/import format of mlmock. format_version is 1; a reader refuses other "
            "versions. Each question is one version of a question (no ids, no status); `topic` is "
            "'area-slug/topic-slug' and must exist or be listed in `areas`. `external_id`, when present, "
            "identifies the question across imports: the same id with changed content becomes a new version."
        ),
        **{k: v for k, v in s.items() if k not in ("title", "description")},
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_PATH}\n")
