"""Parametrised: a generator (named, versioned Python function in app/questions/generators) and
the author's parameter ranges; each attempt item gets a seed, and with it its own numbers.

The version stores {"parametrised": {"generator", "version", "ranges"}} and the author's prompt
(an introduction shown above the generated one). The prompt, answers and worked solution of a
seed are recomputed from the generator, so grading needs only the seed: the same seed always
gives the same numbers and the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.kit.digits import whole_number
from app.questions import generators
from app.questions.generators.base import RangeError
from app.questions.generators.rendered import Rendered, render
from app.questions.kinds.base import QuestionKind, Refused, RenderField

if TYPE_CHECKING:
    from app.questions.native import QuestionDoc

MAX_PART_CHARS = 64


class ParametrisedSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    generator: str = Field(min_length=1, max_length=63)
    version: int = Field(ge=1)
    ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> ParametrisedSpec:
        # one document per question whatever the author left at its default: the ranges are
        # stored complete, so an export and its re-import hash the same (validate() reports errors)
        gen = generators.get(self.generator, self.version)
        if gen is not None:
            try:
                self.ranges = gen.check_ranges(self.ranges)
            except RangeError:
                pass
        return self


def _spec(data: Mapping[str, Any]) -> dict[str, Any]:
    spec = data.get("parametrised")
    return spec if isinstance(spec, dict) else {}


def instance(data: Mapping[str, Any], seed: int | None) -> Rendered | None:
    """The rendered instance the candidate saw (None without a seed or a usable spec)."""
    spec = _spec(data)
    if seed is None or not spec:
        return None
    try:
        return render(spec, seed)
    except (LookupError, RangeError):
        return None


_RANGE_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(\S+)\s*(?:\.\.|…|to)\s*(\S+)\s*$")


def parse_ranges(text: str) -> dict[str, Any]:
    """`name = low .. high`, one per line (the editor's field) → {name: [low, high]}."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _RANGE_LINE.match(line)
        if not m:
            raise ValueError(f"write each range as “name = low .. high”, not “{line.strip()[:40]}”")
        out[m.group(1)] = [m.group(2), m.group(3)]
    return out


def format_ranges(ranges: Mapping[str, Any]) -> str:
    return "\n".join(f"{k} = {v[0]:g} .. {v[1]:g}" for k, v in ranges.items())


class Parametrised(QuestionKind):
    name = "parametrised"
    doc_fields = ("parametrised",)
    answer_field = "parts"
    answer_is_list = True
    seeded = True

    def validate(self, doc: QuestionDoc) -> None:
        spec = doc.parametrised
        if spec is None:
            raise ValueError("a parametrised question needs a generator")
        if doc.options or doc.numeric is not None:
            raise ValueError("a parametrised question has no options or numeric answer")
        gen = generators.get(spec.generator, spec.version)
        if gen is None:
            raise ValueError(f"the app has no generator {spec.generator} version {spec.version}")
        try:
            gen.check_ranges(spec.ranges)
            gen.instance(0, spec.ranges)  # the ranges leave a well-conditioned draw
        except RangeError as exc:
            raise ValueError(f"parameter ranges: {exc}") from exc

    def render_data(self, doc: QuestionDoc, render: RenderField) -> dict[str, Any]:
        assert doc.parametrised is not None
        gen = generators.get(doc.parametrised.generator, doc.parametrised.version)
        assert gen is not None
        ranges = gen.check_ranges(doc.parametrised.ranges)  # stored complete: defaults filled in
        return {
            "parametrised": {
                "generator": gen.name,
                "version": gen.version,
                "ranges": {k: list(v) for k, v in ranges.items()},
            }
        }

    def doc_values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"parametrised": _spec(data) or None}

    def editor_values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        p = raw.get("parametrised")
        p = p if isinstance(p, dict) else {}
        name = str(p.get("generator") or "")
        gen = generators.get(name)
        version = p.get("version") or (gen.version if gen else 1)
        try:
            ranges = parse_ranges(str(p.get("ranges") or ""))
        except ValueError:
            ranges = {"?": ["?", "?"]}  # refused by validation with the generator's own message
        return {"parametrised": {"generator": name, "version": version, "ranges": ranges}}

    def editor_state(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        p = dict(raw.get("parametrised") or {}) if isinstance(raw.get("parametrised"), dict) else {}
        if isinstance(p.get("ranges"), dict):  # from a stored document: one "name = low .. high" per line
            p["ranges"] = format_ranges(p["ranges"])
        return {"parametrised": p, "generators": generators.catalogue()}

    def view(self, data: Mapping[str, Any], *, seed: int | None = None) -> dict[str, Any]:
        inst = instance(data, seed)
        if inst is None:
            return {"parts": []}
        return {"parts": [{"key": p.key, "label": p.label, "choices": list(p.choices)} for p in inst.parts]}

    def prompt_html(self, prompt_html: str, data: Mapping[str, Any], *, seed: int | None = None) -> str:
        inst = instance(data, seed)
        return prompt_html + (inst.prompt_html if inst else "")

    def parse_answer(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, list) or len(raw) > 10:
            raise ValueError("parts must be a list of at most 10 answers")
        parts = []
        for v in raw:
            if v is None:
                v = ""
            if not isinstance(v, str) or len(v) > MAX_PART_CHARS:
                raise ValueError(f"each part is a string of at most {MAX_PART_CHARS} characters")
            parts.append(v)
        return {"parts": parts}

    def practice_answer(self, form: Mapping[str, Any]) -> dict[str, Any]:
        raw = form.get("parts")
        parts = raw if isinstance(raw, list) else [raw if isinstance(raw, str) else ""]
        if not any(p.strip() for p in parts):
            raise Refused("Answer at least one part.", "parts")
        try:
            return self.parse_answer(parts)
        except ValueError as exc:
            raise Refused(str(exc), "parts") from exc

    def _given(self, inst: Rendered, value: Mapping[str, Any] | None) -> dict[str, str]:
        raw = (value or {}).get("parts")
        if not isinstance(raw, list):
            return {}
        return {p.key: str(v) for p, v in zip(inst.parts, raw, strict=False)}

    def grade(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> float | None:
        inst = instance(data, seed)
        if inst is None:
            return 0.0
        return inst.instance.grade({"parts": self._given(inst, value)})

    def key_text(self, data: Mapping[str, Any], *, seed: int | None = None) -> str:
        inst = instance(data, seed)
        if inst is None:
            return ""
        return "; ".join(f"{p.label}: {p.shown()}" for p in inst.parts)

    def outcome(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> dict[str, Any]:
        inst = instance(data, seed)
        if inst is None:
            return {"empty": not value, "parts": [], "solution_html": ""}
        given = self._given(inst, value)
        parts = [
            {
                "label": p.label,
                "given": (
                    p.choices[n]
                    if p.choices and (n := whole_number(given.get(p.key), below=len(p.choices))) is not None
                    else given.get(p.key, "")
                ),
                "correct": p.shown(),
                "ok": p.accepts(given.get(p.key)),
            }
            for p in inst.parts
        ]
        return {
            "empty": not any(given.values()),
            "parts": parts,
            "solution_html": inst.solution_html,
            "seed": seed,
        }


KIND = Parametrised()
