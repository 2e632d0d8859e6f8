"""A readable diff between two versions of a question. Pure module (no I/O).

Each version is laid out as labelled sections of plain text (the Markdown source, not the
rendered HTML); sections are compared line by line with difflib.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from app.questions.native import QuestionDoc


@dataclass(frozen=True)
class DiffLine:
    op: Literal["same", "added", "removed"]
    text: str

    @property
    def sign(self) -> str:
        return {"same": " ", "added": "+", "removed": "−"}[self.op]


@dataclass(frozen=True)
class SectionDiff:
    name: str
    changed: bool
    lines: list[DiffLine]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def sections(doc: QuestionDoc) -> list[tuple[str, list[str]]]:
    """A version as (section name, lines) in a fixed order."""
    out: list[tuple[str, list[str]]] = [
        ("Title", [doc.title]),
        (
            "Settings",
            [
                f"topic: {doc.topic}",
                f"kind: {doc.kind.value}",
                f"difficulty: {doc.difficulty}",
                f"estimated minutes: {doc.estimated_minutes}",
                f"tags: {', '.join(doc.tags)}",
            ],
        ),
        ("Prompt", doc.prompt.splitlines()),
        ("Reference answer", doc.reference_answer.splitlines()),
    ]
    lines: list[str] = []
    if doc.options:
        lines = [
            f"[{'x' if o.correct else ' '}] {o.text}"
            + (f" (weight {_num(o.weight)})" if o.weight is not None else "")
            + (f" — feedback: {o.feedback}" if o.feedback else "")
            for o in doc.options
        ]
        if doc.negative_marks:
            lines.append("negative marks: on")
    out.append(("Options", lines))
    numeric: list[str] = []
    if doc.numeric is not None:
        n = doc.numeric
        unit = f" {n.unit}" if n.unit else ""
        numeric = [f"{_num(n.value)} ± {_num(n.tolerance)} ({n.tolerance_mode}){unit}"]
    out.append(("Numeric answer", numeric))
    out.append(("Pairs", [f"{p.prompt or '(distractor)'} → {p.answer}" for p in doc.pairs]))
    rubric: list[str] = []
    for c in doc.rubric.criteria:
        rubric.append(f"{c.name} ({_num(c.points)} points)")
        rubric.extend(f"  {_num(lv.points)}: {lv.descriptor}" for lv in c.levels)
    rubric.extend(f"key point: {k}" for k in doc.rubric.key_points)
    rubric.extend(
        f"misconception {m.code}: {m.label}" + (f" — {m.description}" if m.description else "")
        for m in doc.rubric.misconceptions
    )
    if doc.rubric.notes:
        rubric.extend(["notes:", *doc.rubric.notes.splitlines()])
    out.append(("Rubric", rubric))
    follow: list[str] = []
    for f in doc.follow_ups:
        follow.append(f"Q: {f.question}")
        if f.expected_answer:
            follow.append(f"A: {f.expected_answer}")
    out.append(("Follow-ups", follow))
    out.append(("Hints", list(doc.hints)))
    p = doc.provenance
    out.append(
        (
            "Provenance",
            [
                f"{k}: {v}"
                for k, v in (
                    ("origin", p.origin),
                    ("source", p.source_url),
                    ("licence", p.licence),
                    ("attribution", p.attribution),
                )
                if v
            ],
        )
    )
    return out


def diff_lines(old: list[str], new: list[str]) -> list[DiffLine]:
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine("same", t) for t in old[i1:i2])
            continue
        lines.extend(DiffLine("removed", t) for t in old[i1:i2])
        lines.extend(DiffLine("added", t) for t in new[j1:j2])
    return lines


def diff_documents(old: QuestionDoc, new: QuestionDoc) -> list[SectionDiff]:
    """Every section of the two versions, each marked changed or not, with its line diff."""
    result = []
    for (name, a), (_, b) in zip(sections(old), sections(new), strict=True):
        lines = diff_lines(a, b)
        result.append(SectionDiff(name, any(line.op != "same" for line in lines), lines))
    return result
