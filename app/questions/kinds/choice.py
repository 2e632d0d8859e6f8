"""Single and multiple choice: options, graded automatically (multiple choice with partial credit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from app.kit.digits import whole_number
from app.questions.kinds.base import QuestionKind, Refused, RenderField

if TYPE_CHECKING:
    from app.questions.native import QuestionDoc

_INDEX = TypeAdapter(Annotated[int, Field(ge=0, le=100)])
_INDEXES = TypeAdapter(list[Annotated[int, Field(ge=0, le=100)]])


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
    correct: bool = False
    # Percent of the question's credit; for multiple choice. Defaults: correct options share
    # 100 equally, wrong options 0 (or a negative share when the question sets negative marks).
    weight: float | None = Field(default=None, ge=-100, le=100)
    feedback: Annotated[str, StringConstraints(max_length=20_000)] = ""


def option_weights(options: list[Mapping[str, Any]], *, negative_marks: bool) -> list[float]:
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


def _is_index(x: object, n: int) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x < n


def _ints(raw: Any) -> list[int]:
    """A form's option indexes (strings of digits; one or repeated) as numbers."""
    values = raw if isinstance(raw, list) else [raw]
    return [n for n in map(whole_number, values) if n is not None]


def _blank(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for k, v in value.items() if k != "correct")
    return value is None or (isinstance(value, str) and not value.strip())


class _Choice(QuestionKind):
    doc_fields = ("options", "negative_marks")
    editor_lists = {"options": 2}  # noqa: RUF012 (read-only class data)
    single: bool

    @property
    def template(self) -> str:
        return "kinds/choice.html"  # one template for both choice kinds, as one module

    def validate(self, doc: QuestionDoc) -> None:
        if len(doc.options) < 2:
            raise ValueError("a choice question needs at least two options")
        texts = [o.text.casefold() for o in doc.options]
        if len(set(texts)) != len(texts):
            raise ValueError("two options have the same text")
        n_correct = sum(o.correct for o in doc.options)
        if n_correct == 0:
            raise ValueError("a choice question needs a correct option")
        if self.single and n_correct != 1:
            raise ValueError("a single-choice question must have exactly one correct option")
        if doc.numeric is not None:
            raise ValueError("a choice question has no numeric answer")

    def render_data(self, doc: QuestionDoc, render: RenderField) -> dict[str, Any]:
        options = []
        for i, opt in enumerate(doc.options):
            item = opt.model_dump(mode="json")
            item["text_html"] = render(f"options.{i}.text", opt.text)
            item["feedback_html"] = render(f"options.{i}.feedback", opt.feedback) if opt.feedback else ""
            options.append(item)
        return {"options": options}

    def doc_values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        fields = Option.model_fields
        return {"options": [{k: v for k, v in o.items() if k in fields} for o in data.get("options", [])]}

    def editor_values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        rows = raw.get("options")
        rows = [o for o in rows if isinstance(o, dict) and not _blank(o)] if isinstance(rows, list) else []
        return {
            "options": [
                {
                    "text": o.get("text", ""),
                    "correct": bool(o.get("correct")),
                    "weight": None if _blank(o.get("weight")) else o.get("weight"),
                    "feedback": o.get("feedback", ""),
                }
                for o in rows
            ],
            "negative_marks": bool(raw.get("negative_marks")),
        }

    def view(self, data: Mapping[str, Any], *, seed: int | None = None) -> dict[str, Any]:
        return {"options_html": [o.get("text_html") or "" for o in data.get("options") or []]}

    def correct_options(self, data: Mapping[str, Any]) -> list[int]:
        return [i for i, o in enumerate(data.get("options") or []) if o.get("correct")]

    def chosen(self, value: Mapping[str, Any] | None) -> list[int]:
        raise NotImplementedError

    def outcome(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> dict[str, Any]:
        chosen = self.chosen(value)
        return {
            "empty": not value,
            "choices": [
                {
                    "html": o.get("text_html") or "",
                    "chosen": i in chosen,
                    "correct": bool(o.get("correct")),
                    "feedback_html": o.get("feedback_html") or "",
                }
                for i, o in enumerate(data.get("options") or [])
            ],
        }


class SingleChoice(_Choice):
    name = "single_choice"
    answer_field = "choice"
    single = True

    def parse_answer(self, raw: Any) -> dict[str, Any]:
        return {"choice": _INDEX.validate_python(raw)}  # ValidationError is a ValueError

    def practice_answer(self, form: Mapping[str, Any]) -> dict[str, Any]:
        chosen = _ints(form.get("choice"))
        if not chosen:
            raise Refused("Choose an option.", "choice")
        return {"choice": chosen[0]}

    def chosen(self, value: Mapping[str, Any] | None) -> list[int]:
        choice = (value or {}).get("choice")
        return [choice] if isinstance(choice, int) else []

    def grade(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> float | None:
        options = data.get("options") or []
        choice = (value or {}).get("choice")
        if not isinstance(choice, int) or not _is_index(choice, len(options)):
            return 0.0
        return 1.0 if options[choice].get("correct") else 0.0


class MultipleChoice(_Choice):
    name = "multiple_choice"
    answer_field = "choices"
    answer_is_list = True
    single = False

    def parse_answer(self, raw: Any) -> dict[str, Any]:
        if isinstance(raw, list) and len(raw) > 100:
            raise ValueError("choices: at most 100")
        return {"choices": sorted(set(_INDEXES.validate_python(raw)))}

    def practice_answer(self, form: Mapping[str, Any]) -> dict[str, Any]:
        return {"choices": sorted(set(_ints(form.get("choices"))))}  # none chosen is an answer

    def chosen(self, value: Mapping[str, Any] | None) -> list[int]:
        return list((value or {}).get("choices") or [])

    def grade(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> float | None:
        options = data.get("options") or []
        raw = (value or {}).get("choices")
        if not isinstance(raw, list):
            return 0.0
        chosen = {c for c in raw if _is_index(c, len(options))}
        weights = option_weights(options, negative_marks=bool(data.get("negative_marks")))
        # negative marks never take the item below zero
        return min(1.0, max(0.0, round(float(sum(weights[i] for i in chosen)) / 100.0, 9)))


SINGLE = SingleChoice()
MULTIPLE = MultipleChoice()
