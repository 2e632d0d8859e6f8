"""GIFT (Moodle's text format): parse into native documents, write them back. Pure module.

Questions are separated by blank lines; `//` lines are comments (Moodle's `// [id:…]` and
`// [tag:…]` comments before a question are read). Escapes: `\\~ \\= \\# \\{ \\} \\: \\\\` and
`\\n` for a newline. Inside `$…$` maths a `\\n` followed by a letter is kept as TeX
(`\\nabla`, `\\neq`), which Moodle would turn into a newline.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.imports.common import (
    DEFAULT_DIFFICULTY,
    Category,
    FormatError,
    Parsed,
    ParseResult,
    Problem,
    accepted_answers,
    build_doc,
    category_from_path,
    check_choice_grades,
    check_fraction,
    fmt_number,
    join_paragraphs,
    media_warning,
    slug_or_none,
    title_from,
)
from app.imports.html_to_markdown import html_to_markdown

ESCAPABLE = "~=#{}:\\"
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
_WEIGHT = re.compile(r"^%([^%]*)%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
DESCRIPTION = "description"
BLANK = "\\_\\_\\_\\_\\_"  # the missing word, as Markdown (five escaped underscores)


_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$\n]+\$)", re.S)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~])")
_MD_BULLET = re.compile(r"^(\s*)([+\-=])(?=\s|$)", re.M)
_MD_NUMBERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)", re.M)


def _as_is(text: str) -> str:
    return text


def plain_to_markdown(text: str) -> str:
    """Moodle's "moodle"/"plain" text as Markdown that shows it literally ($…$ maths kept).

    GIFT text is plain unless it says [markdown] or [html]: a `#` or `*` is a character, not a
    heading or emphasis (an escaped `\\#` option used to render as an empty heading).
    """
    parts = _MATH.split(text)
    for i in range(0, len(parts), 2):
        escaped = _MD_SPECIAL.sub(r"\\\1", parts[i])
        escaped = _MD_BULLET.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
        parts[i] = _MD_NUMBERED.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return "".join(parts)


# ---- scanning helpers (everything works on escaped text until the last step) ----


def _find(s: str, target: str, start: int = 0) -> int:
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


def _split(s: str, sep: str) -> list[str]:
    parts, start = [], 0
    while (j := _find(s, sep, start)) != -1:
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


@dataclass
class _Block:
    lines: list[tuple[int, str]]  # (line number, text) without comment lines
    meta: list[str]  # comment lines before the question

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.lines)

    def line_at(self, offset: int) -> int:
        starts, pos = [], 0
        for _, t in self.lines:
            starts.append(pos)
            pos += len(t) + 1
        return self.lines[max(0, bisect.bisect_right(starts, offset) - 1)][0]


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    pending_meta: list[str] = []
    for no, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            pending_meta.append(stripped)
            continue
        if not stripped:
            current = None
            continue
        if current is None:
            current = _Block([], pending_meta)
            pending_meta = []
            blocks.append(current)
        current.lines.append((no, line))
    return blocks


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


class _Answers:
    """Turns an answer block into QuestionDoc fields."""

    def __init__(self, convert: Any) -> None:
        self.convert = convert

    def text(self, raw: str) -> str:
        return str(self.convert(unescape(raw).strip()))

    def parse(self, raw: str) -> dict[str, Any]:
        body, *general_parts = _split(raw, "####")
        general = self.text("####".join(general_parts)) if general_parts else ""
        s = body.strip()
        if not s:
            return {"kind": "free_text", "reference_answer": general}
        if s.startswith("#"):
            return self.numeric(s[1:], general)
        head, *fb = _split(s, "#")
        if head.strip().upper() in _TRUE_FALSE:
            return self.true_false(_TRUE_FALSE[head.strip().upper()], fb, general)
        if _find(s, "->") != -1:
            raise FormatError(
                "matching questions are not supported yet (=a -> b); "
                "skip them with --skip-invalid, or rewrite them as choice questions"
            )
        items = _items(s)
        if any(marker == "~" for marker, _ in items):
            return self.choice(items, general)
        return self.short_answer(items, general)

    def _feedback(self, item: str) -> tuple[str, str]:
        text, *fb = _split(item, "#")
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

    def numeric(self, s: str, general: str) -> dict[str, Any]:
        if not s.strip().startswith("="):
            spec, *fb = _split(s, "#")
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
            spec, *fb = _split(rest, "#")
            feedback = self.text("#".join(fb)) if fb else ""
            if marker == "~":  # Moodle's "any other answer" feedback
                answers.append((None, 0.0, 0.0, feedback))
                continue
            value, tol = _value_spec(spec)
            answers.append((value, tol, 100.0 if weight is None else weight, feedback))
        scored = [a for a in answers if a[0] is not None]
        if not scored:
            raise FormatError("a numeric question needs an answer")
        best = max(scored, key=lambda a: a[2])
        others = [
            f"- {fmt_number(v)} ± {fmt_number(t)} ({fmt_number(w)} % credit)" + (f" — {f}" if f else "")
            if v is not None
            else f"- any other answer — {f}"
            for v, t, w, f in answers
            if (v, t, w, f) != best and (v is not None or f)
        ]
        extra = "\n".join(["Other answers:", "", *others]) if others else ""
        assert best[0] is not None
        return {
            "kind": "numeric",
            "numeric": {"value": best[0], "tolerance": best[1]},
            "reference_answer": join_paragraphs(general, best[3], extra),
        }


# ---- questions ----


def _question(block: _Block, text: str, offset: int, index: int, category: Category) -> Parsed:
    where = f"line {block.line_at(offset)}"
    title_raw = ""
    body = text
    problems: list[Problem] = []
    lead = len(body) - len(body.lstrip())
    body = body.lstrip()
    offset += lead
    if body.startswith("::"):
        end = _find(body, "::", 2)
        if end == -1:
            return _failed(index, where, "", "the title is not closed with ::", category)
        title_raw, body, offset = body[2:end], body[end + 2 :], offset + end + 2
    fmt = "moodle"
    if m := _FORMAT.match(body):
        fmt, body, offset = m.group(1), body[m.end() :], offset + m.end()
    convert: Callable[[str], str] = {"html": html_to_markdown, "markdown": _as_is}.get(fmt, plain_to_markdown)
    title = unescape(title_raw).strip()
    open_at = _find(body, "{")
    close_before = _find(body, "}")
    if open_at == -1:
        if close_before == -1:  # Moodle's "description": text shown between questions, not a question
            return Parsed(index, where, title or f"Question {index}", DESCRIPTION, None, category)
        return _failed(index, where, title, "malformed braces: '}' without '{'", category)
    if close_before != -1 and close_before < open_at:
        return _failed(
            index,
            f"line {block.line_at(offset + close_before)}",
            title,
            "malformed braces: '}' before '{' (escape a literal brace as \\})",
            category,
        )
    close_at = _find(body, "}", open_at + 1)
    inner_open = _find(body, "{", open_at + 1)
    if close_at == -1 or (inner_open != -1 and inner_open < close_at):
        return _failed(
            index,
            f"line {block.line_at(offset + open_at)}",
            title,
            "malformed braces: the answer block opened here is not closed (escape a literal brace as \\{)",
            category,
        )
    after = body[close_at + 1 :]
    if _find(after, "{") != -1 or _find(after, "}") != -1:
        return _failed(
            index,
            f"line {block.line_at(offset + close_at)}",
            title,
            "malformed braces: more than one answer block",
            category,
        )
    prompt = str(convert(unescape(body[:open_at]).strip()))
    if after.strip():  # a missing-word question: the answer block is the blank in the sentence
        prompt = f"{prompt} {BLANK} {convert(unescape(after).strip())!s}".strip()
    try:
        fields = _Answers(convert).parse(body[open_at + 1 : close_at])
    except FormatError as exc:
        return _failed(index, f"line {block.line_at(offset + open_at)}", title, exc.message, category)
    external_id, tags, meta_problems = _meta(block.meta)
    problems += [Problem(where, m) for m in meta_problems]
    data: dict[str, Any] = {
        "external_id": external_id,
        "topic": category.path if not category.problem else "imported/uncategorised",
        "title": title or title_from(prompt) or f"Question {index}",
        "prompt": prompt,
        "difficulty": DEFAULT_DIFFICULTY,
        "tags": tags,
        **fields,
    }
    doc, messages = build_doc(data)
    problems += [Problem(where, m) for m in messages]
    warning = media_warning(body)
    return Parsed(
        index, where, data["title"], fields["kind"], doc, category, problems, [warning] if warning else []
    )


def _failed(index: int, where: str, title: str, message: str, category: Category) -> Parsed:
    return Parsed(index, where, title or f"Question {index}", "?", None, category, [Problem(where, message)])


def _meta(lines: list[str]) -> tuple[str | None, list[str], list[str]]:
    external_id, tags, problems = None, [], []
    for line in lines:
        for key, value in _META.findall(line):
            slug = slug_or_none(value)
            if slug is None:
                problems.append(f"[{key}:{value}] has no letters or digits")
            elif key == "id":
                external_id = slug
            elif slug not in tags:
                tags.append(slug)
    return external_id, tags, problems


def parse(text: str) -> ParseResult:
    """Parse a whole GIFT file (already decoded, newlines normalised to \\n)."""
    result = ParseResult(format="gift")
    category = category_from_path("", "line 1")
    for block in _blocks(text):
        body, offset = block.text, 0
        first = block.lines[0][1].strip()
        if first.startswith("$CATEGORY:"):
            where = f"line {block.lines[0][0]}"
            category = category_from_path(unescape(first[len("$CATEGORY:") :]), where)
            if category.problem:
                result.problems.append(Problem(where, category.problem))
            offset = len(block.lines[0][1]) + 1
            body = body[offset:]
            if not body.strip():
                continue
        index = len(result.items) + 1
        item = _question(block, body, offset, index, category)
        if item.kind == DESCRIPTION:
            result.notes.append(
                Problem(item.where, "a description (no answer block) is not a question: skipped")
            )
            continue
        if category.problem:
            item.problems.append(Problem(item.where, f"its category ({category.where}) cannot be used"))
        result.items.append(item)
    return result
