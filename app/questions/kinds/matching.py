"""Matching: pairs (prompt → answer); the candidate picks the answer for each prompt.

Graded automatically with partial credit: the score is the share of prompts given their right
answer (a wrong or missing pick costs nothing beyond its own share, so it is never below 0).
A pair with an empty prompt is a distractor: one more answer to choose from, matched to nothing
(as Moodle's matching questions have them). Answers are offered once each, in alphabetical
order (never in pair order, which would give the key away); a stored answer is, per prompt,
the index of the chosen answer in that list, or null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from app.questions.kinds.base import QuestionKind, RenderField

if TYPE_CHECKING:
    from app.questions.native import QuestionDoc

MAX_PAIRS = 20
_PICKS = TypeAdapter(list[Annotated[int, Field(ge=0, le=100)] | None])


class MatchPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)] = ""
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]


def answer_texts(pairs: list[Mapping[str, Any]]) -> list[str]:
    """The answers a candidate chooses from: each text once, alphabetically."""
    return sorted({str(p.get("answer", "")) for p in pairs}, key=lambda t: (t.casefold(), t))


def _prompts(pairs: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [p for p in pairs if p.get("prompt")]


def key(data: Mapping[str, Any]) -> list[int]:
    """Per prompt, the index of its right answer in `answer_texts`."""
    pairs = list(data.get("pairs") or [])
    index = {t: i for i, t in enumerate(answer_texts(pairs))}
    return [index[str(p.get("answer", ""))] for p in _prompts(pairs)]


def _picks(value: Mapping[str, Any] | None, n: int) -> list[int | None]:
    raw = (value or {}).get("matches")
    raw = raw if isinstance(raw, list) else []
    out: list[int | None] = []
    for i in range(n):
        x = raw[i] if i < len(raw) else None
        out.append(x if isinstance(x, int) and not isinstance(x, bool) else None)
    return out


def _blank(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    return value is None or (isinstance(value, str) and not value.strip())


class Matching(QuestionKind):
    name = "matching"
    doc_fields = ("pairs",)
    answer_field = "matches"
    answer_is_list = True
    editor_lists = {"pairs": 3}  # noqa: RUF012 (read-only class data)

    def validate(self, doc: QuestionDoc) -> None:
        if doc.options or doc.numeric is not None:
            raise ValueError("a matching question has no options or numeric answer")
        prompts = [p.prompt.casefold() for p in doc.pairs if p.prompt]
        if len(prompts) < 2:
            raise ValueError("a matching question needs at least two pairs with a prompt")
        if len(set(prompts)) != len(prompts):
            raise ValueError("two pairs have the same prompt")
        if len(answer_texts([p.model_dump() for p in doc.pairs])) < 2:
            raise ValueError("a matching question needs at least two different answers")

    def render_data(self, doc: QuestionDoc, render: RenderField) -> dict[str, Any]:
        pairs = []
        for i, p in enumerate(doc.pairs):
            item = p.model_dump(mode="json")
            item["prompt_html"] = render(f"pairs.{i}.prompt", p.prompt) if p.prompt else ""
            item["answer_html"] = render(f"pairs.{i}.answer", p.answer)
            pairs.append(item)
        return {"pairs": pairs}

    def doc_values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "pairs": [
                {"prompt": p.get("prompt", ""), "answer": p.get("answer", "")} for p in data.get("pairs", [])
            ]
        }

    def editor_values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        rows = raw.get("pairs")
        rows = [p for p in rows if isinstance(p, dict) and not _blank(p)] if isinstance(rows, list) else []
        return {"pairs": [{"prompt": p.get("prompt", ""), "answer": p.get("answer", "")} for p in rows]}

    def view(self, data: Mapping[str, Any], *, seed: int | None = None) -> dict[str, Any]:
        pairs = list(data.get("pairs") or [])
        html = {str(p.get("answer", "")): p.get("answer_html") or "" for p in pairs}
        texts = answer_texts(pairs)
        return {
            "prompts_html": [p.get("prompt_html") or "" for p in _prompts(pairs)],
            "answers": [{"text": t, "html": html[t]} for t in texts],
        }

    def parse_answer(self, raw: Any) -> dict[str, Any]:
        if isinstance(raw, list) and len(raw) > MAX_PAIRS:
            raise ValueError(f"matches: at most {MAX_PAIRS}")
        if isinstance(raw, list):  # a form posts "" for a prompt left unanswered
            raw = [None if x == "" else x for x in raw]
        return {"matches": _PICKS.validate_python(raw)}  # ValidationError is a ValueError

    def grade(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> float | None:
        right = key(data)
        if not right:
            return 0.0
        picks = _picks(value, len(right))
        return round(sum(p == r for p, r in zip(picks, right, strict=True)) / len(right), 9)

    def correct_options(self, data: Mapping[str, Any]) -> list[int]:
        return key(data)  # per prompt, its right answer's index among the answers offered

    def key_text(self, data: Mapping[str, Any], *, seed: int | None = None) -> str:
        return "; ".join(
            f"{p.get('prompt')} → {p.get('answer')}" for p in _prompts(list(data.get("pairs") or []))
        )

    def outcome(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> dict[str, Any]:
        view = self.view(data)
        answers = view["answers"]
        right = key(data)
        picks = _picks(value, len(right))
        rows = [
            {
                "prompt_html": prompt,
                "chosen_html": answers[pick]["html"] if pick is not None and pick < len(answers) else "",
                "correct_html": answers[r]["html"],
                "right": pick == r,
            }
            for prompt, pick, r in zip(view["prompts_html"], picks, right, strict=True)
        ]
        return {"empty": all(p is None for p in picks), "rows": rows}


KIND = Matching()
