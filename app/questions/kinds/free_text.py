"""Free text: the candidate writes Markdown; a mentor grades it on the rubric."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.questions.kinds.base import QuestionKind, Refused
from app.questions.rendering import render_markdown_lenient

if TYPE_CHECKING:
    from app.questions.native import QuestionDoc

MAX_PRACTICE_CHARS = 20_000


class FreeText(QuestionKind):
    name = "free_text"
    objective = False
    answer_field = "text"

    def validate(self, doc: QuestionDoc) -> None:
        if doc.options or doc.numeric is not None:
            raise ValueError("a free-text question has no options or numeric answer")

    def practice_answer(self, form: Mapping[str, Any]) -> dict[str, Any]:
        text = form.get("text")
        text = text if isinstance(text, str) else ""
        if not text.strip():
            raise Refused("Write an answer first.", "text")
        if len(text) > MAX_PRACTICE_CHARS:
            raise Refused(f"At most {MAX_PRACTICE_CHARS:,} characters.", "text")
        return {"text": text}

    def outcome(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> dict[str, Any]:
        body = str((value or {}).get("text") or "")
        return {"empty": not body.strip(), "html": render_markdown_lenient(body) if body.strip() else ""}


KIND = FreeText()
