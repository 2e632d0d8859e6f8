"""What an import would do (the dry run's answer) and what it will write. Plain data."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from app.imports.common import Problem
from app.questions.native import QuestionDoc


@dataclass
class ImportOptions:
    format: str | None = None  # None: detect from the file name and content
    filename: str | None = None
    publish: bool = False
    source_url: str | None = None
    licence: str | None = None
    attribution: str | None = None
    skip_invalid: bool = False  # import the valid questions, report the others (default: all or nothing)


@dataclass
class Row:
    """One question in the preview."""

    index: int
    where: str
    title: str
    kind: str
    topic: str
    topic_new: bool
    action: str  # create | new version | unchanged | error
    problems: list[str] = field(default_factory=list)
    note: str = ""
    changes: list[str] = field(default_factory=list)  # for a new version: the fields that change
    warnings: list[str] = field(default_factory=list)  # imported, but something was left behind (media)


@dataclass
class Preview:
    format: str | None
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # about the whole file
    new_topics: list[str] = field(default_factory=list)
    imported: bool = False
    seconds: float = 0.0
    notes: list[Problem] = field(default_factory=list)  # skipped on purpose (descriptions)
    skip_invalid: bool = False

    @property
    def ok(self) -> bool:
        """Nothing stops the import: no file-level problem, and no question problem unless skipped."""
        return not self.problems and (self.skip_invalid or not any(r.problems for r in self.rows))

    @property
    def skipped(self) -> list[Row]:
        return [r for r in self.rows if r.problems] if self.skip_invalid else []

    @property
    def counts(self) -> dict[str, int]:
        out = {"create": 0, "new version": 0, "unchanged": 0, "error": 0}
        for r in self.rows:
            out[r.action] += 1
        return out

    @property
    def all_problems(self) -> list[str]:
        return [str(p) for p in self.problems] + [p for r in self.rows for p in r.problems]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "ok": self.ok,
            "imported": self.imported,
            "counts": self.counts,
            "new_topics": self.new_topics,
            "problems": [{"where": p.where, "message": p.message} for p in self.problems],
            "notes": [{"where": p.where, "message": p.message} for p in self.notes],
            "skipped": [{"where": r.where, "title": r.title, "problems": r.problems} for r in self.skipped],
            "questions": [r.__dict__ for r in self.rows],
        }

    def json_body(self, slice_rows: int = 200) -> bytes:
        """to_json() as UTF-8 JSON, encoded `slice_rows` rows per call (run it in a worker thread).

        json.dumps of 10,000 rows is one C call that holds the GIL throughout (tens of ms in
        which the event loop cannot run); by slices, the loop gets the interpreter in between."""
        doc = self.to_json()
        rows = doc.pop("questions")
        parts = [
            json.dumps(rows[i : i + slice_rows], ensure_ascii=False)[1:-1]
            for i in range(0, len(rows), slice_rows)
        ]
        head = json.dumps(doc, ensure_ascii=False)[:-1]  # the object without its closing brace
        return f'{head}, "questions": [{",".join(parts)}]}}'.encode()


@dataclass
class Planned:
    """A write: a new question, a new version of `question_id`, or (publish_only) a status change."""

    doc: QuestionDoc | None
    rendered: dict[str, Any]
    hash: str
    question_id: uuid.UUID | None = None  # set for a new version
    version_count: int = 0
    publish_only: bool = False
