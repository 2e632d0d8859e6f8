"""Markdown + LaTeX → sanitised HTML with server-side MathML.

Pure module (no I/O). Rendered once when a version is saved; the stored HTML is what
pages show. A formula that does not convert is a `RenderError` naming the formula.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.dollarmath import dollarmath_plugin

from app.questions import mathml

# MathML presentation elements latex2mathml emits (and a few more that are harmless).
MATHML_TAGS = {
    "math",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "mtable",
    "mtr",
    "mtd",
    "munder",
    "mover",
    "munderover",
    "mpadded",
    "mphantom",
    "menclose",
    "semantics",
    "annotation",
    "mmultiscripts",
    "mprescripts",
    "none",
    "merror",
}
HTML_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "div",
    "del",
    "s",
    "sup",
    "sub",
}
MATHML_ATTRS = {
    "xmlns",
    "display",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "lspace",
    "rspace",
    "form",
    "accent",
    "accentunder",
    "movablelimits",
    "largeop",
    "symmetric",
    "minsize",
    "maxsize",
    "linethickness",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "columnlines",
    "rowlines",
    "frame",
    "width",
    "height",
    "depth",
    "notation",
    "scriptlevel",
    "displaystyle",
    "encoding",
    "voffset",  # \xrightarrow's label sits above the arrow only with it
    "mathsize",
}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {tag: set(MATHML_ATTRS) for tag in MATHML_TAGS}
ALLOWED_ATTRIBUTES.update(
    {
        "a": {"href", "title"},
        "code": {"class"},
        "span": {"class"},
        "div": {"class"},
        "th": {"align"},
        "td": {"align"},
        "ol": {"start"},
    }
)


class RenderError(ValueError):
    """A formula (or the Markdown around it) could not be rendered."""

    def __init__(self, message: str, formula: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.formula = formula


@dataclass
class _MathCollector:
    errors: list[RenderError] = field(default_factory=list)


# Pure and costly (latex2mathml, then nh3 over the page): the same formula or field is rendered
# again and again (every version of a question, the seeding of each bank). Failures are not kept.
@lru_cache(maxsize=4096)
def latex_to_mathml(latex: str, *, display: bool) -> str:
    """Convert one formula; raise RenderError when it fails or leaves an unknown macro."""
    try:
        out = mathml.convert(latex, display=display)
    except Exception as exc:  # latex2mathml raises many exception types on bad input
        raise RenderError(f"Formula ${latex}$ could not be converted: {exc}", latex) from exc
    if "\\" in out:
        # latex2mathml passes unknown macros through as <mi>\foo</mi>.
        bad = sorted({tok for tok in latex.split() if tok.startswith("\\")} or {latex})
        raise RenderError(
            f"Formula ${latex}$ uses a macro that cannot be rendered ({', '.join(bad)[:80]})",
            latex,
        )
    return out


def _make_md(collector: _MathCollector) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")

    def render(content: str, options: dict[str, Any]) -> str:
        try:
            return latex_to_mathml(content.strip(), display=bool(options.get("display_mode")))
        except RenderError as err:
            collector.errors.append(err)
            return f"<code>{html.escape(content)}</code>"

    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=True,
        allow_digits=False,
        double_inline=True,
        renderer=render,
    )
    return md


def _clean(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=HTML_TAGS | MATHML_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Render Markdown with `$…$`/`$$…$$` maths to sanitised HTML; raise RenderError on bad maths."""
    collector = _MathCollector()
    raw = _make_md(collector).render(text or "")
    if collector.errors:
        raise collector.errors[0]
    return _clean(raw)


def render_markdown_lenient(text: str) -> str:
    """Like render_markdown but never raises: bad formulas stay visible as code.

    For content the author does not control the save of (a candidate's answer).
    """
    collector = _MathCollector()
    return _clean(_make_md(collector).render(text or ""))


def render_errors(fields: dict[str, Any]) -> dict[str, str]:
    """Render each Markdown field; return {field: message} for those that fail."""
    errors: dict[str, str] = {}
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        try:
            render_markdown(value)
        except RenderError as err:
            errors[name] = err.message
    return errors


def markdown_filter(text: str | None) -> Markup:
    """The templates' `markdown` filter (registered in questions/routes.py): Markdown + maths typed
    by a person (answers, descriptions) with the lenient renderer; a formula that does not convert
    is shown as typed rather than failing the page."""
    html = render_markdown_lenient(text) if text and text.strip() else ""
    return Markup(html)  # noqa: S704 - nh3-sanitised output of our renderer
