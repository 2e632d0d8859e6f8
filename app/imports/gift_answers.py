"""GIFT answer blocks (`{…}`) → the fields of a question document, per kind. Pure module.

Also the scanning helpers the GIFT reader and writer share (escapes, unescaped search and split).
Kinds: `{}` free text (essay), `{#…}` numeric, `{T}`/`{F}` true/false and `{=a ~b}` choice,
`{=a -> b …}` matching, `{=a =b}` short answer (free text with its accepted answers).
"""

from __future__ import annotations

import math
import re
from typing import Any

from app.imports.common import (
    FormatError,
    accepted_answers,
    best_numeric,
    check_choice_grades,
    check_fraction,
    join_paragraphs,
)

ESCAPABLE = "~=#{}:\\"
ARROW = "-\\>"  # an arrow inside a matching pair's prompt, as the writer writes it (Markdown for `->`)
_WEIGHT = re.compile(r"^%([^%]*)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


# ---- scanning helpers (everything works on escaped text until the last step) ----


def find(s: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s.startswith(target, i):
            return i
        i += 1
    return -1


def split(s: str, sep: str) -> list[str]:
    parts, start = [], 0
    while (j := find(s, sep, start)) != -1:
        parts.append(s[start:j])
        start = j + len(sep)
    parts.append(s[start:])
    return parts


def unescape(s: str) -> str:
    out: list[str] = []
    i, in_math = 0, False
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in ESCAPABLE:
                out.append(n)
                i += 2
                continue
            if n == "n":
                after = s[i + 2] if i + 2 < len(s) else ""
                if not (in_math and after.isascii() and after.isalpha()):
                    out.append("\n")
                    i += 2
                    continue
            out.append(s[i : i + 2])  # TeX (\alpha) or a literal \$: kept as written
            i += 2
            continue
        if c == "$":
            step = 2 if s.startswith("$$", i) else 1
            in_math = not in_math
            out.append(s[i : i + step])
            i += step
            continue
        out.append(c)
        i += 1
    return "".join(out)


# ---- answers ----


def _weight(item: str) -> tuple[float | None, str]:
    m = _WEIGHT.match(item)
    if not m:
        return None, item
    try:
        w = float(m.group(1))
    except ValueError:
        raise FormatError(f"the weight %{m.group(1)}% is not a number") from None
    if not math.isfinite(w) or not -100 <= w <= 100:
        raise FormatError(f"the weight %{m.group(1)}% must be between -100 and 100")
    check_fraction(w, f"%{m.group(1)}%")
    return w, item[m.end() :]


def _number(text: str) -> float:
    try:
        x = float(text.strip())
    except ValueError:
        raise FormatError(f"numeric answer {text.strip()!r} is not a number") from None
    if not math.isfinite(x):
        raise FormatError(f"numeric answer {text.strip()!r} is not a finite number")
    return x


def _value_spec(spec: str) -> tuple[float, float]:
    """`3.14:0.01`, `1..2` (range → midpoint ± half width) or `3`."""
    spec = unescape(spec).strip()
    if ".." in spec:
        lo_s, hi_s = spec.split("..", 1)
        lo, hi = _number(lo_s), _number(hi_s)
        if hi < lo:
            raise FormatError(f"numeric range {spec!r} ends before it starts")
        # rounded to 12 significant digits: 0.2..0.3 is 0.25 ± 0.05, not ± 0.04999999999999999
        return float(f"{(lo + hi) / 2:.12g}"), float(f"{(hi - lo) / 2:.12g}")
    if ":" in spec:
        v_s, t_s = spec.split(":", 1)
        value, tol = _number(v_s), _number(t_s)
        if tol < 0:
            raise FormatError(f"numeric tolerance {t_s.strip()!r} is negative")
        return value, tol
    return _number(spec), 0.0


def _items(body: str) -> list[tuple[str, str]]:
    """Split `=a ~b#fb ~%50%c` into (marker, raw item) pairs."""
    marks = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "=~":
            marks.append(i)
        i += 1
    if not marks or body[: marks[0]].strip():
        raise FormatError("the answers must start with = (right) or ~ (wrong)")
    return [(body[m], body[m + 1 : n]) for m, n in zip(marks, [*marks[1:], len(body)], strict=True)]


class Answers:
    """Turns an answer block into QuestionDoc fields."""

    def __init__(self, convert: Any) -> None:
        self.convert = convert

    def text(self, raw: str) -> str:
        return str(self.convert(unescape(raw).strip()))

    def parse(self, raw: str) -> dict[str, Any]:
        body, *general_parts = split(raw, "####")
        general = self.text("####".join(general_parts)) if general_parts else ""
        s = body.strip()
        if not s:
            return {"kind": "free_text", "reference_answer": general}
        if s.startswith("#"):
            return self.numeric(s[1:], general)
        head, *fb = split(s, "#")
        if head.strip().upper() in _TRUE_FALSE:
            return self.true_false(_TRUE_FALSE[head.strip().upper()], fb, general)
        items = _items(s)
        # a `~` answer makes it a choice before any `->` makes it matching (Moodle's order too):
        # an option or feedback may say "1/n -> 0"; matching pairs are all `=`
        if any(marker == "~" for marker, _ in items):
            return self.choice(items, general)
        if find(s, "->") != -1:
            return self.matching(items, general)
        return self.short_answer(items, general)

    def _feedback(self, item: str) -> tuple[str, str]:
        text, *fb = split(item, "#")
        return self.text(text), self.text("#".join(fb)) if fb else ""

    def true_false(self, answer: bool, fb: list[str], general: str) -> dict[str, Any]:
        wrong = self.text(fb[0]) if fb else ""
        right = self.text(fb[1]) if len(fb) > 1 else ""
        return {
            "kind": "single_choice",
            "options": [
                {"text": "True", "correct": answer, "feedback": right if answer else wrong},
                {"text": "False", "correct": not answer, "feedback": wrong if answer else right},
            ],
            "reference_answer": general,
        }

    def choice(self, items: list[tuple[str, str]], general: str) -> dict[str, Any]:
        single = any(marker == "=" for marker, _ in items)
        options: list[dict[str, Any]] = []
        for marker, raw in items:
            weight, rest = _weight(raw.strip())
            text, feedback = self._feedback(rest)
            if single:
                correct = marker == "="
                if weight == (100 if correct else 0):  # the default, written out: the same as none
                    weight = None
                options.append({"text": text, "correct": correct, "weight": weight, "feedback": feedback})
            else:
                options.append(
                    {"text": text, "correct": (weight or 0) > 0, "weight": weight, "feedback": feedback}
                )
        check_choice_grades(options, single=single)
        negative = any(isinstance(o["weight"], float) and o["weight"] < 0 for o in options)
        kind = "single_choice" if single else "multiple_choice"
        return {"kind": kind, "options": options, "negative_marks": negative, "reference_answer": general}

    def short_answer(self, items: list[tuple[str, str]], general: str) -> dict[str, Any]:
        answers = []
        for _, raw in items:
            weight, rest = _weight(raw.strip())
            text, feedback = self._feedback(rest)
            answers.append((text, 100.0 if weight is None else weight, feedback))
        return {"kind": "free_text", "reference_answer": join_paragraphs(general, accepted_answers(answers))}

    def matching(self, items: list[tuple[str, str]], general: str) -> dict[str, Any]:
        """`=prompt -> answer` per pair; `= -> answer` (no prompt) is a distractor, as in Moodle."""
        pairs = []
        for marker, raw in items:
            arrow = find(raw, "->")
            if marker != "=" or arrow == -1:
                raise FormatError("each pair of a matching question is written =prompt -> answer")
            prompt = raw[:arrow].replace(ARROW, "->")
            pairs.append({"prompt": self.text(prompt), "answer": self.text(raw[arrow + 2 :])})
        return {"kind": "matching", "pairs": pairs, "reference_answer": general}

    def numeric(self, s: str, general: str) -> dict[str, Any]:
        if not s.strip().startswith("="):
            spec, *fb = split(s, "#")
            value, tol = _value_spec(spec)
            feedback = self.text("#".join(fb)) if fb else ""
            return {
                "kind": "numeric",
                "numeric": {"value": value, "tolerance": tol},
                "reference_answer": join_paragraphs(general, feedback),
            }
        answers: list[tuple[float | None, float, float, str]] = []
        for marker, raw in _items(s.strip()):
            weight, rest = _weight(raw.strip())
            spec, *fb = split(rest, "#")
            feedback = self.text("#".join(fb)) if fb else ""
            if marker == "~":  # Moodle's "any other answer" feedback
                answers.append((None, 0.0, 0.0, feedback))
                continue
            value, tol = _value_spec(spec)
            answers.append((value, tol, 100.0 if weight is None else weight, feedback))
        best, extra = best_numeric(answers)
        assert best[0] is not None
        return {
            "kind": "numeric",
            "numeric": {"value": best[0], "tolerance": best[1]},
            "reference_answer": join_paragraphs(general, best[3], extra),
        }
