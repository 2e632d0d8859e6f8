"""Acceptance 2: maths renders to MathML; nothing executable survives; an unknown macro is refused on save."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.questions.rendering import RenderError, render_markdown
from tests.questions.conftest import counts, form_of, make_doc

FORMULAS = {
    "gradient-descent update": (
        r"$$\theta_{t+1} = \theta_t - \eta \nabla_\theta L(\theta_t)$$",
        ["<msub>", "∇", "η"],
    ),
    "summation with limits": (r"$$\sum_{i=1}^{n} (y_i - \hat{y}_i)^2$$", ["<munderover>", "∑"]),
    "matrix": (r"$$X = \begin{bmatrix} 1 & x_1 \\ 1 & x_2 \end{bmatrix}$$", ["<mtable", "<mtr>", "<mtd>"]),
    "hat": (r"$\hat{\beta}$", ["<mover", "^"]),
    "mathbb R": (r"$w \in \mathbb{R}^d$", ["ℝ"]),
}


@pytest.mark.parametrize("name", FORMULAS)
def test_formulas_render_to_mathml(name: str) -> None:
    source, expected = FORMULAS[name]
    html = render_markdown(source)
    assert "<math" in html and "\\" not in html
    for piece in expected:
        assert piece in html, (name, piece, html)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "<javascript:alert(1)>",
        '<img src=x onerror="alert(1)">',
        '<a href="/x" onclick="steal()">x</a>',
        '<div hx-get="/admin/users" hx-trigger="load">x</div>',
        "<iframe src='https://evil.example'></iframe>",
        "raw <b>html</b> in Markdown",
        '$x$ <math><mi onmouseover="alert(1)">x</mi></math>',
        "[ok](https://example.org) and ![img](https://example.org/a.png)",
    ],
)
def test_dangerous_markup_does_not_survive(source: str) -> None:
    found = elements(render_markdown(source))
    tags = {tag for tag, _ in found}
    assert not tags & {"script", "iframe", "img", "b", "div", "style", "object"}, found
    for tag, attrs in found:
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-")), (tag, name)
            if name == "href":
                assert (value or "").startswith(("https://", "http://", "mailto:")), (tag, value)


def test_unknown_macro_is_a_render_error() -> None:
    with pytest.raises(RenderError) as info:
        render_markdown(r"Loss $\foo{x}$ here")
    assert r"\foo" in info.value.message


@pytest.mark.anyio
async def test_unknown_macro_is_refused_on_save_in_form_and_api(as_role, db, topics) -> None:
    admin = await as_role("admin")
    before = await counts(db)
    bad = make_doc(prompt=r"The loss is $\lossfn(\theta)$.")
    r = await admin.post("/admin/questions", data=form_of(bad), headers={"HX-Request": "true"})
    assert r.status_code == 422
    assert r.text.lstrip().startswith('<form id="question-form"')
    assert r"\lossfn" in r.text and "not saved" in r.text
    api = await admin.post("/api/v1/questions", json=bad)
    assert api.status_code == 422 and r"\lossfn" in api.json()["error"]
    assert api.json()["fields"]["prompt"]
    # an unknown macro in a rubric level descriptor is refused too
    deep = make_doc()
    deep["rubric"]["criteria"][0]["levels"][1]["descriptor"] = r"Uses $\grad$"
    api = await admin.post("/api/v1/questions", json=deep)
    assert api.status_code == 422 and "rubric-criteria-0-levels-1" in api.json()["fields"]
    assert await counts(db) == before


@pytest.mark.anyio
async def test_saved_html_is_sanitised(as_role, db, topics) -> None:
    admin = await as_role("admin")
    doc = make_doc(
        prompt='Click [me](javascript:alert(1)) <script>x()</script> <b onclick="y()">b</b> $\\hat{x}$'
    )
    created = (await admin.post("/api/v1/questions", json=doc)).json()
    html = created["prompt_html"]
    tags = [tag for tag, _ in elements(html)]
    assert "math" in tags and not {"script", "b", "a"} & set(tags)
    assert all(not k.startswith("on") for _, attrs in elements(html) for k in attrs)


# Constructs latex2mathml converts into MathML that MathML Core browsers show wrongly (issue 22).
def _math(source: str) -> str:
    html = render_markdown(source)
    assert "<math" in html and "\\" not in html, html
    return html


@pytest.mark.parametrize(
    ("source", "operator"),
    [
        (r"$\operatorname{arg\,min}_x f(x)$", "arg\u2009min"),
        (r"$\operatorname*{arg\,max}_{w} f$", "arg\u2009max"),
        (r"$\operatorname{arg\;min}_x$", "arg\u2009min"),
        (r"$\arg\min_x f(x)$", "arg\u2009min"),
        (r"$\arg \max_x f(x)$", "arg\u2009max"),
        (r"$\mathop{\mathrm{arg\,max}}_x f$", "arg\u2009max"),
        (r"$\operatorname{argmin}_x f$", "argmin"),
        (r"$\arg(z)$", "arg"),
    ],
)
def test_operator_names_with_spacing_are_one_upright_operator(source: str, operator: str) -> None:
    html = _math(source)
    assert f"<mo>{operator}</mo>" in html or f'<mo movablelimits="true">{operator}</mo>' in html
    # no empty operator and no letters of the name left as separate identifiers
    assert "<mo></mo>" not in html
    assert "<mi>r</mi>" not in html and "<mi>g</mi>" not in html and "<mspace" not in html


def test_aligned_is_a_table_of_right_left_column_pairs() -> None:
    html = _math(
        r"$$\begin{aligned} m_t &= \beta m_{t-1} + g_t, &\quad v_t &= g_t^2 \\ w_t &= w_{t-1} \end{aligned}$$"
    )
    assert "&amp;" not in html and "<mi>&" not in html
    tags = [(tag, a) for tag, a in elements(html)]
    assert sum(tag == "mtr" for tag, _ in tags) == 2
    aligns = [a.get("columnalign") for tag, a in tags if tag == "mtd"]
    assert aligns[:4] == ["right", "left", "right", "left"]


@pytest.mark.parametrize(
    ("source", "glyphs"),
    [
        (r"$\boldsymbol{x}^\top \boldsymbol{w}$", "𝒙𝒘"),
        (r"$\boldsymbol{\theta} + \boldsymbol{\delta} + \boldsymbol{\Sigma}$", "𝜽𝜹𝜮"),
        (r"$\mathbf{0} \ne \mathbf{1}$, $\mathbf{5}$", "𝟎𝟏𝟓"),
        (r"$\mathbf{x} \in \mathbb{R}^d$", "𝐱ℝ"),
        (r"$\mathbb{1}[y = k]$", "𝟙"),
        (r"$\mathbb{E}[X] < \infty$", "𝔼<"),
    ],
)
def test_styled_letters_are_unicode_mathematical_alphanumerics(source: str, glyphs: str) -> None:
    html = _math(source)
    for glyph in glyphs:
        assert glyph in html.replace("&lt;", "<"), (glyph, html)
    # Chromium ignores mathvariant (except normal): nothing may depend on it
    assert all(a.get("mathvariant") in (None, "normal") for _, a in elements(html))


def test_xrightarrow_keeps_its_label_offset_through_sanitising() -> None:
    found = elements(_math(r"$$X_n \xrightarrow{d} \mathcal{N}(0, 1)$$"))
    padded = [a for tag, a in found if tag == "mpadded"]
    assert padded and padded[0].get("voffset"), found
    assert any(tag == "mover" for tag, _ in found)


@pytest.mark.slow  # renders the whole seed bank
def test_bank_uses_no_mathvariant_chromium_ignores() -> None:
    from app.questions.seedcheck import load_all_questions

    for doc in load_all_questions():
        for text in [doc.prompt, doc.reference_answer, *doc.rubric.key_points]:
            for tag, attrs in elements(render_markdown(text)):
                assert attrs.get("mathvariant") in (None, "normal"), (doc.external_id, tag, attrs)
                assert not (tag == "mo" and attrs.get("mathvariant")), doc.external_id
