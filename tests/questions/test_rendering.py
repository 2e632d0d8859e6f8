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
