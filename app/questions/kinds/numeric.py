"""Numeric: a value with an absolute or relative tolerance and an optional unit; graded automatically."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.questions.kinds.base import QuestionKind, Refused, RenderField
from app.questions.numbers import finite, typed_number

if TYPE_CHECKING:
    from app.questions.native import QuestionDoc


class NumericAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float
    tolerance: float = Field(default=0.0, ge=0)
    tolerance_mode: Literal["absolute", "relative"] = "absolute"
    unit: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _finite(self) -> NumericAnswer:
        if not math.isfinite(self.value) or not math.isfinite(self.tolerance):
            raise ValueError("numeric value and tolerance must be finite numbers")
        return self


def parse_number(text: object) -> float | None:
    """A number as a person types it: spaces, a leading '+', a decimal comma, a trailing unit are fine."""
    s = typed_number(text)
    if not isinstance(s, str):
        return s
    # drop a trailing unit ("3.2m/s"): the longest numeric prefix
    for end in range(len(s), 0, -1):
        try:
            return finite(float(s[:end]))
        except ValueError:
            continue
    return None


def within_tolerance(x: float, target: float, tolerance: float, mode: str) -> bool:
    allowed = tolerance * abs(target) if mode == "relative" else tolerance
    # a hair of slack for binary floating point (0.1 + 0.2 vs 0.3)
    return abs(x - target) <= allowed + 1e-9 * max(1.0, abs(target))


class Numeric(QuestionKind):
    name = "numeric"
    doc_fields = ("numeric",)
    answer_field = "number"

    def validate(self, doc: QuestionDoc) -> None:
        if doc.numeric is None:
            raise ValueError("a numeric question needs a numeric answer")
        if doc.options:
            raise ValueError("a numeric question has no options")

    def render_data(self, doc: QuestionDoc, render: RenderField) -> dict[str, Any]:
        assert doc.numeric is not None
        return {"numeric": doc.numeric.model_dump(mode="json")}

    def doc_values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"numeric": data.get("numeric")}

    def editor_values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        num = raw.get("numeric")
        num = num if isinstance(num, dict) else {}
        unit = num.get("unit")
        return {
            "numeric": {
                "value": num.get("value", ""),
                "tolerance": num.get("tolerance") or "0",
                "tolerance_mode": num.get("tolerance_mode") or "absolute",
                "unit": unit if isinstance(unit, str) and unit.strip() else None,
            }
        }

    def editor_state(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        num = raw.get("numeric")
        return {"numeric": num if isinstance(num, dict) else {}}

    def view(self, data: Mapping[str, Any], *, seed: int | None = None) -> dict[str, Any]:
        return {"unit": (data.get("numeric") or {}).get("unit")}

    def practice_answer(self, form: Mapping[str, Any]) -> dict[str, Any]:
        number = form.get("number")
        if not isinstance(number, str) or not number.strip():
            raise Refused("Enter a number.", "number")
        return {"number": number.strip()[:64]}

    def grade(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> float | None:
        spec = data.get("numeric") or {}
        if "value" not in spec:
            return 0.0
        x = parse_number((value or {}).get("number"))
        if x is None:
            return 0.0
        ok = within_tolerance(
            x,
            float(spec["value"]),
            float(spec.get("tolerance") or 0.0),
            spec.get("tolerance_mode", "absolute"),
        )
        return 1.0 if ok else 0.0

    def key_text(self, data: Mapping[str, Any], *, seed: int | None = None) -> str:
        spec = data.get("numeric") or {}
        unit = f" {spec['unit']}" if spec.get("unit") else ""
        tol = float(spec.get("tolerance") or 0)
        if not tol:
            return f"{spec.get('value')}{unit}"
        if spec.get("tolerance_mode") == "relative":
            return f"{spec.get('value')}{unit} (± {tol * 100:g} %)"
        return f"{spec.get('value')}{unit} (± {tol:g})"

    def outcome(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> dict[str, Any]:
        number = (value or {}).get("number")
        return {"empty": not value, "number": number, "correct_text": self.key_text(data, seed=seed)}


KIND = Numeric()
