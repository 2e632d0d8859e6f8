"""Moodle's HTML → our Markdown: sanitise with nh3, protect TeX, convert with markdownify.

Pure module. Images and other media cannot come along (no files in an import): they become a
visible "[image: alt]" placeholder, and the import warns per question. TeX in `$$…$$`, `\\(…\\)` and `\\[…\\]` (Moodle's MathJax delimiters) becomes
`$…$` / `$$…$$` untouched by Markdown escaping.
"""

from __future__ import annotations

import html
import re

import nh3
from markdownify import markdownify

_ALLOWED = {
    "p", "br", "hr", "em", "i", "strong", "b", "u", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "sub",
    "sup", "span", "div", "del", "s", "img",
}  # fmt: skip
_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<![\\$])\$([^$\n]+?)\$", re.S)
_TOKEN = "MLMOCKMATH{}X"  # noqa: S105 - a placeholder, not a secret


def html_to_markdown(source: str) -> str:
    if not source.strip():
        return ""
    formulas: list[str] = []

    def keep(m: re.Match[str]) -> str:
        display = m.group(1) is not None or m.group(2) is not None
        tex = html.unescape(next(g for g in m.groups() if g is not None)).strip()
        formulas.append(f"$${tex}$$" if display else f"${tex}$")
        return _TOKEN.format(len(formulas) - 1)

    protected = _MATH.sub(keep, source)
    clean = nh3.clean(protected, tags=_ALLOWED, attributes={"a": {"href"}, "img": {"alt"}}, link_rel=None)
    # images are not stored (yet): a visible placeholder, never alt text glued into the prose;
    # the import's preview warns about each question that had one (common.media_warning)
    clean = re.sub(r'<img[^>]*alt="([^"]+)"[^>]*>', r" [image: \1] ", clean)
    clean = re.sub(r"<img[^>]*>", " [image] ", clean)
    text = markdownify(clean, heading_style="ATX", bullets="-", strip=["span", "div", "u"])
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    for i, formula in enumerate(formulas):
        text = text.replace(_TOKEN.format(i), formula)
    return text
