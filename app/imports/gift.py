"""GIFT (Moodle's text format): parse into native documents, write them back. Pure module.

Questions are separated by blank lines; `//` lines are comments (Moodle's `// [id:…]` and
`// [tag:…]` comments before a question are read). Escapes: `\\~ \\= \\# \\{ \\} \\: \\\\` and
`\\n` for a newline. Inside `$…$` maths a `\\n` followed by a letter is kept as TeX
(`\\nabla`, `\\neq`), which Moodle would turn into a newline.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from app.imports.common import (
    Category,
    FormatError,
    Parsed,
    ParseResult,
    Problem,
    category_from_path,
    lossy_doc,
    media_warning,
    slug_or_none,
)
from app.imports.gift_answers import Answers, find, unescape
from app.imports.html_to_markdown import html_to_markdown

_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]")
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
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
        end = find(body, "::", 2)
        if end == -1:
            return _failed(index, where, "", "the title is not closed with ::", category)
        title_raw, body, offset = body[2:end], body[end + 2 :], offset + end + 2
    fmt = "moodle"
    if m := _FORMAT.match(body):
        fmt, body, offset = m.group(1), body[m.end() :], offset + m.end()
    convert: Callable[[str], str] = {"html": html_to_markdown, "markdown": _as_is}.get(fmt, plain_to_markdown)
    title = unescape(title_raw).strip()
    open_at = find(body, "{")
    close_before = find(body, "}")
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
    close_at = find(body, "}", open_at + 1)
    inner_open = find(body, "{", open_at + 1)
    if close_at == -1 or (inner_open != -1 and inner_open < close_at):
        return _failed(
            index,
            f"line {block.line_at(offset + open_at)}",
            title,
            "malformed braces: the answer block opened here is not closed (escape a literal brace as \\{)",
            category,
        )
    after = body[close_at + 1 :]
    if find(after, "{") != -1 or find(after, "}") != -1:
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
        fields = Answers(convert).parse(body[open_at + 1 : close_at])
    except FormatError as exc:
        return _failed(index, f"line {block.line_at(offset + open_at)}", title, exc.message, category)
    external_id, tags, meta_problems = _meta(block.meta)
    problems += [Problem(where, m) for m in meta_problems]
    title, doc, messages = lossy_doc(
        index, category, title=title, prompt=prompt, external_id=external_id, tags=tags, fields=fields
    )
    problems += [Problem(where, m) for m in messages]
    warning = media_warning(body)
    return Parsed(index, where, title, fields["kind"], doc, category, problems, [warning] if warning else [])


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


def parse(text: str, *, limit: int | None = None) -> ParseResult:
    """Parse a whole GIFT file (already decoded, newlines normalised to \\n); stop past `limit` questions."""
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
        if result.full(limit):
            break
    return result
