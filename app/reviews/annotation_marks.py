"""Annotated answers, pure: validate a span and render the answer text with <mark>s.

Offsets are Unicode code points into the stored answer text (Python's `str` indexing; "θ ≈ ∇L 🙂"
is 8 of them), end exclusive. A browser measures a selection in UTF-16 code units (the emoji is
two); static/js/annotate.js converts before it posts, `utf16_to_code_points` is the same rule here.

The rendered text keeps every character of the stored answer as a DOM text node: HTML-escaped,
carriage returns written as `&#13;` (the HTML parser turns a literal CR LF into LF, which would
shift every later offset), and no leading newline is eaten (the container is a <div> with
`white-space: pre-wrap`, not a <pre>). The note references after each span are marked
`data-ann-skip`, which the script leaves out when it measures a selection.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

QUOTE_MAX = 2_000
COMMENT_MAX = 2_000


class SpanError(ValueError):
    """A span that does not fit the answer; the message is for the mentor."""


def utf16_to_code_points(text: str, offset: int) -> int:
    """The code-point offset of a UTF-16 offset into `text` (inside a surrogate pair: refused)."""
    units = 0
    for i, ch in enumerate(text):
        if units == offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > offset:
            raise SpanError("The selection splits a character in two.")
    if units == offset:
        return len(text)
    raise SpanError("The selection lies outside the answer.")


def resolve(text: str, start: int | None, end: int | None, quote: str) -> tuple[int, int]:
    """The span to store: the given offsets (checked against the quote when one is given), or
    the one place where the quote occurs (the form without script)."""
    if start is not None or end is not None:
        if start is None or end is None:
            raise SpanError("Give both the start and the end of the span.")
        if not 0 <= start < end <= len(text):
            raise SpanError(
                f"The span {start}–{end} lies outside the answer, which has {len(text)} characters."
            )
        if quote and text[start:end] != quote:
            raise SpanError("The quoted text does not match the answer at that place. Select the text again.")
        return start, end
    if not quote:
        raise SpanError("Select part of the answer (or type the exact words to quote).")
    first = text.find(quote)
    if first < 0:
        raise SpanError("The quoted text does not occur in the answer. Copy it exactly.")
    count = text.count(quote)
    if count > 1:
        raise SpanError(
            f"The quoted text occurs {count} times in the answer: quote more of it, or select it."
        )
    return first, first + len(quote)


@dataclass(frozen=True)
class Note:
    number: int  # 1-based, in order of position in the answer
    anchor: str  # the id prefix of its mark reference and its list entry
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    text: str
    marked: tuple[int, ...]  # numbers of the notes covering it
    ends: tuple[Note, ...]  # notes whose span ends after this segment


def segments(text: str, notes: Sequence[Note]) -> list[Segment]:
    """The answer cut at every span boundary; overlapping spans simply both cover a segment."""
    cuts = sorted({0, len(text)} | {n.start for n in notes} | {n.end for n in notes})
    out = []
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        covering = tuple(n.number for n in notes if n.start <= a and b <= n.end)
        ends = tuple(n for n in notes if n.end == b)
        out.append(Segment(text[a:b], covering, ends))
    return out


def _text(s: str) -> str:
    return str(escape(s)).replace("\r", "&#13;")


def render(text: str, notes: Sequence[Note]) -> Markup:
    """The answer as escaped text with each annotated span in a <mark> followed by a link to its note."""
    parts: list[str] = []
    for seg in segments(text, notes):
        if seg.marked:
            numbers = ", ".join(str(n) for n in seg.marked)
            parts.append(f'<mark data-notes="{numbers}">{_text(seg.text)}</mark>')
        else:
            parts.append(_text(seg.text))
        for n in seg.ends:
            parts.append(
                f'<a class="note-ref" data-ann-skip href="#{n.anchor}" id="{n.anchor}-ref">'
                f'<span class="visually-hidden">(note </span>[{n.number}]<span class="visually-hidden">)</span></a>'
            )
    return Markup("".join(parts))  # noqa: S704 - every piece of text is escaped above
