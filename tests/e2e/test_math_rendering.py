"""Browser: every formula of the seed bank, rendered by the project's renderer and laid out by
Chromium with the app's stylesheet, shows the constructs MathML Core used to get wrong
(issue 22): operator names with spacing, bold and double-struck symbols, aligned equations,
the label of `\\xrightarrow`."""

from __future__ import annotations

import html

import pytest

from app.questions.rendering import render_markdown
from app.questions.seedcheck import load_all_questions

pytestmark = pytest.mark.e2e

# (construct in a formula's source, text Chromium must show for it)
EXPECTED_GLYPHS = [
    (r"\operatorname{arg\,min}", "arg\u2009min"),
    (r"\operatorname{arg\,max}", "arg\u2009max"),
    (r"\boldsymbol{\delta}", "𝜹"),
    (r"\boldsymbol{\theta}", "𝜽"),
    (r"\mathbf{0}", "𝟎"),
    (r"\mathbf{1}", "𝟏"),
    (r"\mathbb{1}", "𝟙"),
    (r"\xrightarrow", "→"),
]


def _bank_fields() -> list[str]:
    texts: list[str] = []
    for doc in load_all_questions():
        texts += [doc.prompt, doc.reference_answer, *doc.hints, *doc.rubric.key_points]
        texts += [o.text for o in doc.options] + [o.feedback for o in doc.options]
        texts += [lv.descriptor for c in doc.rubric.criteria for lv in c.levels]
        texts += [m.description for m in doc.rubric.misconceptions]
        texts += [f.question for f in doc.follow_ups] + [f.expected_answer for f in doc.follow_ups]
    return [t for t in texts if "$" in t]


MEASURE = """() => {
  const box = (el) => el.getBoundingClientRect();
  const fields = [...document.querySelectorAll('section.field')].map((s) =>
    [...s.querySelectorAll('math')].map((m) => m.textContent).join(' '));
  const empty = [...document.querySelectorAll('math')].filter((m) => box(m).width === 0).length;
  // aligned equations: per column, left-aligned cells start (right-aligned cells end) at one x
  const misaligned = [];
  let tables = 0;
  for (const t of document.querySelectorAll('mtable[columnspacing]')) {
    tables += 1;
    const cols = {};
    for (const row of t.children) {
      [...row.children].forEach((cell, i) => {
        const kids = [...cell.children].filter((k) => box(k).width > 0);
        if (!kids.length) return;
        const align = cell.getAttribute('columnalign');
        const x = align === 'right' ? Math.max(...kids.map((k) => box(k).right))
                                    : Math.min(...kids.map((k) => box(k).left));
        (cols[i] = cols[i] || []).push(x);
      });
    }
    for (const [i, xs] of Object.entries(cols)) {
      if (Math.max(...xs) - Math.min(...xs) > 1) misaligned.push([t.textContent.slice(0, 60), i, xs]);
    }
  }
  // \\xrightarrow: the label (mpadded) sits above the arrow
  const arrows = [...document.querySelectorAll('mover')].filter(
    (m) => m.children[1] && m.children[1].tagName.toLowerCase() === 'mpadded');
  const labelsBelow = arrows.filter((m) => box(m.children[1]).bottom > box(m.children[0]).top + 1)
    .map((m) => m.textContent);
  return {fields, empty, tables, misaligned, arrows: arrows.length, labelsBelow};
}"""


def test_every_bank_formula_displays_its_constructs_in_chromium(page, live_server: str) -> None:  # type: ignore[no-untyped-def]
    fields = _bank_fields()
    sections = "".join(f'<section class="field">{render_markdown(t)}</section>' for t in fields)
    page.goto("/healthz")  # same origin as the app's stylesheet and math font
    page.set_content(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="/static/css/app.css"></head>'
        f"<body><main>{sections}</main></body></html>"
    )
    page.wait_for_load_state("load")
    page.evaluate("async () => { await document.fonts.ready; }")
    found = page.evaluate(MEASURE)

    assert len(found["fields"]) == len(fields)
    assert found["empty"] == 0
    for text in found["fields"]:
        assert "\\" not in text and "&" not in text, text[:120]
    for construct, glyph in EXPECTED_GLYPHS:
        using = [i for i, t in enumerate(fields) if construct in t]
        assert using, f"no formula in the bank uses {construct}: update EXPECTED_GLYPHS"
        for i in using:
            assert glyph in found["fields"][i], (construct, glyph, html.unescape(fields[i])[:200])
    assert found["tables"] >= 1 and found["misaligned"] == [], found["misaligned"]
    assert found["arrows"] >= 1 and found["labelsBelow"] == [], found["labelsBelow"]
