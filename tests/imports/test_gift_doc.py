"""Every construct of Moodle's GIFT documentation: each imports with the right kind or is reported with its line."""

from __future__ import annotations

import pytest

from app.imports import gift
from tests.imports.helpers import FIXTURES

DOC = (FIXTURES / "moodle_gift_doc.gift").read_bytes()
# (title, kind) for each question that imports; (line, message part) for each refused one
IMPORTS = [
    ("Optimiser", "single_choice"),
    ("The derivative of x^2 is for every real x.", "single_choice"),
    ("progress is typical of plain SGD near a saddle point.", "single_choice"),
    ("Ridge regression shrinks coefficients towards zero.", "single_choice"),
    ("Lasso never sets a coefficient exactly to zero.", "single_choice"),
    ("TF feedback", "single_choice"),
    ("Short answer", "free_text"),
    ("Matching", "matching"),
    ("Numeric exact", "numeric"),
    ("Numeric tolerance", "numeric"),
    ("Numeric range", "numeric"),
    ("Numeric multiple", "numeric"),
    ("Feedback", "multiple_choice"),
    ("Partial", "single_choice"),
    ("General feedback", "single_choice"),
    ("Essay", "free_text"),
    ("Html", "single_choice"),
    ("Markdown", "single_choice"),
    ("Plain", "single_choice"),
    ("Moodle", "single_choice"),
    ("Escapes", "single_choice"),
    ("Multiline", "multiple_choice"),
    ("Tagged", "single_choice"),
    ("Deep", "single_choice"),
]
REFUSED = [
    ("line 81", "the grade %47% is not one Moodle allows"),
    ("line 83", "add up to 90 %, not 100 %"),
]


def test_every_documented_construct_imports_or_is_reported_with_its_line() -> None:
    result = gift.parse(DOC.decode())
    assert result.problems == []
    ok = [i for i in result.items if not i.problems]
    assert [(i.title, i.kind) for i in ok] == IMPORTS
    refused = [(p.where, p.message) for i in result.items for p in i.problems]
    assert len(refused) == len(REFUSED)
    for (where, message), (want_where, want) in zip(refused, REFUSED, strict=True):
        assert where == want_where and want in message, (where, message)
    assert [(n.where, n.message) for n in result.notes] == [
        ("line 57", "a description (no answer block) is not a question: skipped")
    ]


def test_missing_word_marks_the_blank() -> None:
    docs = {i.title: i.doc for i in gift.parse(DOC.decode()).items if i.doc}
    blank = next(d for t, d in docs.items() if t.startswith("The derivative"))
    assert blank.prompt == "The derivative of $x^2$ is \\_\\_\\_\\_\\_ for every real x."
    assert [(o.text, o.correct) for o in blank.options] == [("2x", True), ("x", False), ("x^3", False)]


def test_text_formats() -> None:
    docs = {i.title: i.doc for i in gift.parse(DOC.decode()).items if i.doc}
    assert docs["Html"].prompt == "Is a **Gaussian** kernel positive definite?"  # type: ignore[union-attr]
    assert docs["Markdown"].prompt == "Is **every** norm convex?"  # type: ignore[union-attr]
    assert docs["Plain"].prompt == "Is 3 \\# 4 a comment in Python?"  # type: ignore[union-attr]
    moodle = docs["Moodle"]
    assert moodle is not None and moodle.prompt == "Option \\# 1 is \\*starred\\*."
    assert [o.text for o in moodle.options] == ["\\# 1", "\\# 2"]  # not an empty heading


@pytest.mark.parametrize("bad", ["{~%33%a ~%67%b}", "{=a ~%47%b}"])
def test_moodle_grade_list(bad: str) -> None:
    item = gift.parse(f"::Q::Pick.{bad}\n").items[0]
    assert item.doc is None and "Moodle allows" in item.problems[0].message


@pytest.mark.anyio
async def test_skip_invalid_imports_the_rest_all_or_nothing_by_default(as_role, db) -> None:  # type: ignore[no-untyped-def]
    from tests.imports.helpers import question_count

    admin = await as_role("admin")
    refused = await admin.post("/api/v1/imports?format=gift", content=DOC)
    assert refused.status_code == 422 and not refused.json()["imported"]
    async with db() as s:
        assert await question_count(s) == 0
    r = await admin.post("/api/v1/imports?format=gift&skip_invalid=true", content=DOC)
    body = r.json()
    assert r.status_code == 200 and body["imported"], r.text[:300]
    assert body["counts"]["create"] == len(IMPORTS)
    assert [(s["where"], s["title"]) for s in body["skipped"]] == [
        ("line 81", "Bad grade"),
        ("line 83", "Bad sum"),
    ]
    assert body["notes"] == [
        {"where": "line 57", "message": "a description (no answer block) is not a question: skipped"}
    ]
    async with db() as s:
        assert await question_count(s) == len(IMPORTS)
    page = await admin.post(
        "/admin/imports",
        files={"file": ("doc.gift", DOC, "text/plain")},
        data={"action": "preview", "skip_invalid": "on"},
    )
    assert page.status_code == 200 and "2 invalid questions will be skipped" in page.text


def _xml(*questions: str) -> str:
    return "<quiz>" + "".join(questions) + "</quiz>"


def _multichoice(single: str, *fractions: str) -> str:
    answers = "".join(
        f'<answer fraction="{f}" format="plain_text"><text>option {i}</text></answer>'
        for i, f in enumerate(fractions)
    )
    return (
        '<question type="multichoice"><name><text>M</text></name>'
        '<questiontext format="plain_text"><text>Pick.</text></questiontext>'
        f"<single>{single}</single>{answers}</question>"
    )


def test_moodle_xml_grade_rules_and_descriptions() -> None:
    from app.imports import moodle_xml

    text = _xml(
        '<question type="description"><name><text>Intro</text></name>'
        '<questiontext format="html"><text>Kernels next.</text></questiontext></question>',
        _multichoice("true", "33", "0"),
        _multichoice("false", "50", "40", "-100"),
        _multichoice("true", "50", "0"),
        _multichoice("false", "50", "50", "0"),
        _multichoice("true", "100", "0"),
    )
    result = moodle_xml.parse(text)
    assert [(n.where, n.message) for n in result.notes] == [
        ("/quiz/question[1]", "a description is not a question: skipped")
    ]
    problems = [[(p.where, p.message) for p in i.problems] for i in result.items]
    assert "fraction '33' is not one Moodle allows" in problems[0][0][1]
    assert problems[0][0][0] == "/quiz/question[2]/answer[1]"
    assert problems[1] == [
        ("/quiz/question[3]", "the positive grades of a multiple-choice question add up to 90 %, not 100 %")
    ]
    assert problems[2] == [("/quiz/question[4]", "a single-choice question needs one answer worth 100 %")]
    assert problems[3:] == [[], []]


def test_numeric_ranges_without_float_noise() -> None:
    from app.imports import gift_writer

    doc = gift.parse("::R::A probability?{#0.2..0.3}\n").items[0].doc
    assert doc is not None and doc.numeric is not None
    assert (doc.numeric.value, doc.numeric.tolerance) == (0.25, 0.05)
    text, _ = gift_writer.write(
        [doc.model_copy(update={"numeric": doc.numeric.model_copy(update={"tolerance": 0.1 + 0.2})})], {}
    )
    assert "{#0.25:0.3" in text


@pytest.mark.anyio
async def test_export_of_an_unknown_topic_is_an_error(as_role) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    r = await admin.get("/api/v1/exports?format=gift&topic=no-such-area")
    assert r.status_code == 422 and "Unknown topic 'no-such-area'" in r.json()["error"]


@pytest.mark.anyio
async def test_images_are_never_dropped_silently(as_role) -> None:  # type: ignore[no-untyped-def]
    xml = (
        '<quiz><question type="essay"><name><text>Pictured</text></name>'
        '<questiontext format="html"><text><![CDATA[<p>Look at <img src="@@PLUGINFILE@@/roc.png" '
        'alt="an ROC curve">this curve.</p>]]></text>'
        '<file name="roc.png" path="/" encoding="base64">iVBORw0KGgo=</file></questiontext>'
        "</question></quiz>"
    )
    admin = await as_role("admin")
    dry = (await admin.post("/api/v1/imports?dry_run=true", content=xml.encode())).json()
    row = dry["questions"][0]
    assert dry["ok"] and row["warnings"] and "not imported" in row["warnings"][0]
    assert row["warnings"][0].startswith("/quiz/question[1]: 1 image or embedded file not imported")
    gift_text = b"::Pic::[markdown]What does ![a histogram](hist.png) show?{}\n"
    dry = (await admin.post("/api/v1/imports?dry_run=true&format=gift", content=gift_text)).json()
    assert "1 image" in dry["questions"][0]["warnings"][0]


def test_html_images_leave_a_visible_placeholder() -> None:
    from app.imports.html_to_markdown import html_to_markdown

    assert html_to_markdown('<p>Look at <img src="x.png" alt="an ROC curve">this.</p>') == (
        "Look at [image: an ROC curve] this."
    )


def test_openapi_documents_the_import_request_body(shared_app) -> None:  # type: ignore[no-untyped-def]
    # the run's app: FastAPI keeps its document, which the other OpenAPI tests read too
    doc = shared_app.openapi()
    body = doc["paths"]["/api/v1/imports"]["post"]["requestBody"]
    assert body["required"] and {"text/plain", "application/xml", "application/json"} <= set(body["content"])
