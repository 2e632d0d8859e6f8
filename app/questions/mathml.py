"""LaTeX → MathML that displays right in MathML Core browsers (Chromium), around latex2mathml.

Pure module. latex2mathml converts most of what authors write, but a few constructs come out
in a form Chromium shows wrongly:

- `\\operatorname{arg\\,min}`: its tokenizer only accepts letters inside `\\operatorname`, so a
  spacing command leaves an empty `<mo/>` followed by italic letters. We strip the spacing
  before conversion and put a thin space back into the operator afterwards.
- `\\arg` is unknown to it (an `<mi>\\arg</mi>`); `\\arg\\min`/`\\arg\\max` become its own
  `\\argmin`/`\\argmax`, a lone `\\arg` an operator name.
- `\\mathop{\\mathrm{…}}` nests elements inside `<mo>`, which is not valid MathML: the
  operator is flattened to its text.
- `\\begin{aligned}` is not an environment it knows (the `&` shows literally); `align*` has the
  same column pairs (right-aligned, then left-aligned), so `aligned` is converted as that.
- `\\boldsymbol`, `\\mathbf{digit}`, `\\mathbb{1}` rely on `mathvariant`, which MathML Core
  ignores except for `normal`: the characters are mapped to the Unicode mathematical
  alphanumeric symbols (𝒙, 𝟏, 𝟙) and the attribute dropped.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from xml.etree.ElementTree import Element, tostring
from xml.sax.saxutils import escape, unescape

import latex2mathml.converter

THIN_SPACE = "\u2009"
# Letters only (latex2mathml's \operatorname accepts nothing else); replaced after conversion.
_SPACE_MARK = "mlmockthinspace"
_SPACING = r"\\[,;:! ]|~|\\quad|\\qquad"
_OPERATORNAME = re.compile(r"\\operatorname(\*?)\s*\{((?:[A-Za-z\s]|" + _SPACING + r")+)\}")
_ARG_MINMAX = re.compile(r"\\arg\s*\\(min|max)(?![A-Za-z])")
_ARG = re.compile(r"\\arg(?![A-Za-z])")
_ALIGNED = re.compile(r"\\(begin|end)\s*\{aligned\}")

# mathvariant value → the style word in the Unicode names ("MATHEMATICAL BOLD ITALIC SMALL X").
_VARIANT_STYLE = {
    "bold": "BOLD",
    "italic": "ITALIC",
    "bold-italic": "BOLD ITALIC",
    "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT",
    "bold-script": "BOLD SCRIPT",
    "fraktur": "FRAKTUR",
    "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF",
    "bold-sans-serif": "SANS-SERIF BOLD",
    "sans-serif-italic": "SANS-SERIF ITALIC",
    "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC",
    "monospace": "MONOSPACE",
}
_TOKENS = {"mi", "mn", "mo"}


def preprocess(latex: str) -> str:
    """Rewrite the constructs latex2mathml mishandles into ones it converts correctly."""
    latex = _ARG_MINMAX.sub(lambda m: rf"\arg{m.group(1)} ", latex)
    latex = _ARG.sub(r"\\operatorname{arg}", latex)

    def operatorname(m: re.Match[str]) -> str:
        name = re.sub(_SPACING, _SPACE_MARK, m.group(2))
        name = re.sub(rf"\s*{_SPACE_MARK}\s*", _SPACE_MARK, name).strip()
        return rf"\operatorname{m.group(1)}{{{name}}}"

    latex = _OPERATORNAME.sub(operatorname, latex)
    return _ALIGNED.sub(lambda m: rf"\{m.group(1)}{{align*}}", latex)


@cache
def styled_char(ch: str, variant: str) -> str:
    """`ch` in the Unicode mathematical alphanumeric style for `variant`, or `ch` if there is none."""
    style = _VARIANT_STYLE.get(variant)
    name = unicodedata.name(ch, "")
    if style is None or not name:
        return ch
    rest = re.sub(r"^(LATIN|GREEK) ", "", name).replace("LETTER ", "").replace("LUNATE ", "")
    for candidate in (f"MATHEMATICAL {style} {rest}", f"{style} {rest}"):
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return ch


def _operator_text(el: Element) -> str:
    parts: list[str] = []

    def walk(node: Element) -> None:
        if node.tag == "mspace":
            width = node.get("width", "")
            if width and not width.startswith("-"):
                parts.append(THIN_SPACE)
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(el)
    return "".join(parts).strip()


def postprocess(math: Element) -> None:
    """Fix, in place, what MathML Core browsers would show wrongly (see the module docstring)."""
    for el in math.iter():
        if el.tag == "mo" and len(el):
            text = _operator_text(el)
            for child in list(el):
                el.remove(child)
            el.text = text
        if el.tag == "mo" and el.text and _SPACE_MARK in el.text:
            el.text = el.text.replace(_SPACE_MARK, THIN_SPACE)
        variant = el.get("mathvariant")
        if el.tag in _TOKENS and variant and variant != "normal":
            # Texts hold entity references (latex2mathml's own convention, undone on output).
            text = "".join(styled_char(c, variant) for c in html.unescape(el.text or ""))
            el.text = escape(text)
            del el.attrib["mathvariant"]


def convert(latex: str, *, display: bool) -> str:
    """One formula as a `<math>` element string (may raise whatever latex2mathml raises)."""
    math = latex2mathml.converter.convert_to_element(
        preprocess(latex), display="block" if display else "inline"
    )
    postprocess(math)
    return unescape(tostring(math, encoding="unicode"))
