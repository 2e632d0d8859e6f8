"""The pure parsers and writers: every construct of the fixtures, round trips, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.imports import gift, gift_writer, moodle_xml, native_json
from app.imports.common import category_from_path, effective_weights
from app.imports.html_to_markdown import html_to_markdown
from app.questions.native import BankDoc, QuestionDoc
from tests.imports.helpers import BILLION_LAUGHS, EXTERNAL_ENTITY, GIFT, XML


def _docs(result) -> list[QuestionDoc]:  # type: ignore[no-untyped-def]
    assert not result.problems
    assert all(not i.problems for i in result.items), [str(p) for i in result.items for p in i.problems]
    return [i.doc for i in result.items]


def test_gift_fixture_every_construct() -> None:
    result = gift.parse(GIFT.decode())
    docs = _docs(result)
    by_title = {d.title: d for d in docs}
    assert len(docs) == 12

    lr = by_title["Learning rate too large"]
    assert (lr.kind, lr.external_id, lr.tags) == (
        "single_choice",
        "lr-too-large",
        ["gradient-descent", "step-size"],
    )
    assert [(o.text, o.correct, o.weight) for o in lr.options] == [
        ("The loss diverges or oscillates", True, None),
        ("Training converges faster", False, None),
        ("Nothing changes", False, 25.0),
    ]
    assert lr.options[0].feedback == "Right: each step overshoots the minimum."
    assert lr.reference_answer.startswith("A step larger than $2/L$")
    assert result.items[0].where == "line 8" and lr.topic == "optimisation/learning-rates"

    convex = by_title["Convex functions"]
    assert convex.kind == "multiple_choice" and convex.negative_marks
    assert [(o.text, o.correct, o.weight) for o in convex.options] == [
        ("$f(x) = x^2$", True, 50.0),
        ("$f(x) = |x|$", True, 50.0),
        ("$f(x) = \\sin x$", False, -100.0),
    ]
    assert convex.prompt.endswith("$\\mathbb{R}$?")

    assert (
        by_title["Escapes"].prompt
        == "A literal {brace}, an equals = sign, a hash \\#, a tilde \\~ and a colon: all survive."
    )

    tf = by_title["Gradient direction"]
    assert [(o.text, o.correct, o.feedback) for o in tf.options] == [
        ("True", True, "Correct."),
        ("False", False, "The negative gradient is the descent direction."),
    ]
    # GIFT's default text format is Moodle's plain text: the asterisks are characters, not emphasis
    assert tf.reference_answer == "Hence gradient \\*descent\\* steps along $-\\nabla f$."
    assert [o.correct for o in by_title["Momentum myth"].options] == [False, True]

    pi = by_title["Pi"]
    assert pi.kind == "numeric" and pi.numeric is not None
    assert (pi.numeric.value, pi.numeric.tolerance, pi.topic) == (3.14, 0.005, "maths-for-ml/linear-algebra")
    rng = by_title["Range"].numeric
    assert rng is not None and (rng.value, rng.tolerance) == (1.5, 0.5)
    several = by_title["Several numeric answers"]
    assert several.numeric is not None and (several.numeric.value, several.numeric.tolerance) == (
        1.4142,
        0.0001,
    )
    assert "1.41 ± 0.01 (50 % credit) — Close." in several.reference_answer

    short = by_title["Derivative name"]
    assert short.kind == "free_text"
    assert (
        short.reference_answer
        == "Accepted answers:\n\n- gradient\n- grad (50 % credit) — Abbreviation accepted."
    )

    html = by_title["What does PCA maximise?"]
    assert (html.prompt, html.reference_answer) == (
        "What does **PCA** maximise?",
        "The *variance* of the projection.",
    )

    essay = by_title["Essay"]
    assert essay.kind == "free_text" and essay.topic == "probability/general"
    untitled = docs[-1]
    assert untitled.title.startswith("Untitled question answered by a number")
    assert untitled.numeric is not None and untitled.numeric.value == 6


def test_xml_fixture_every_construct() -> None:
    docs = _docs(moodle_xml.parse(XML.decode()))
    by_title = {d.title: d for d in docs}
    assert len(docs) == 6
    kt = by_title["Kernel trick"]
    assert (kt.kind, kt.external_id, kt.tags) == ("single_choice", "kernel-trick", ["kernels", "svm"])
    assert kt.topic == "supervised-learning/kernel-methods"
    assert kt.prompt.startswith("The **kernel trick** evaluates $k(x, y) = \\langle")
    assert kt.reference_answer == "Only inner products are needed."
    assert kt.hints == ["Think about dimension."]
    assert [o.feedback for o in kt.options][:2] == ["Right.", "That is exactly what it computes."]

    vk = by_title["Valid kernels"]
    assert vk.kind == "multiple_choice" and vk.negative_marks
    assert [(o.correct, o.weight) for o in vk.options] == [(True, 50.0), (True, 50.0), (False, -100.0)]

    tf = by_title["SVM margin"]
    assert [(o.text, o.correct, o.feedback) for o in tf.options] == [
        ("True", True, "Yes."),
        ("False", False, "It maximises it."),
    ]

    num = by_title["Derivative at a point"]
    assert num.numeric is not None
    assert (num.numeric.value, num.numeric.tolerance, num.numeric.unit) == (4.0, 0.01, "m/s")
    assert num.topic == "maths-for-ml/calculus"
    assert num.reference_answer.startswith("$f'(x) = 2x$.") and "2 ± 0 (50 % credit)" in num.reference_answer

    sa = by_title["Chain rule name"]
    assert (
        sa.kind == "free_text"
        and "- chain rule\n- composition rule (50 % credit) — Also seen." in sa.reference_answer
    )

    essay = by_title["Explain backpropagation"]
    assert essay.rubric.notes == "- Mentions local derivatives\n- Mentions reuse of intermediate results"
    assert essay.hints == ["Response template:\n\nForward pass: … Backward pass: …"]
    assert essay.reference_answer == "It applies the chain rule from the output backwards."


def _held(doc: QuestionDoc, *, xml: bool) -> dict[str, object]:
    """What GIFT (and, with xml, Moodle XML) can hold."""
    held: dict[str, object] = {
        "external_id": doc.external_id,
        "topic": doc.topic,
        "title": doc.title,
        "kind": doc.kind,
        "prompt": doc.prompt,
        "reference_answer": doc.reference_answer,
        "options": [(o.text, o.correct, o.feedback) for o in doc.options],
        "weights": [round(w, 4) for w in effective_weights(doc)] if doc.kind == "multiple_choice" else None,
        "numeric": (doc.numeric.value, doc.numeric.tolerance) if doc.numeric else None,
        "tags": doc.tags,
    }
    if xml:
        held |= {
            "unit": doc.numeric.unit if doc.numeric else None,
            "hints": doc.hints,
            "notes": doc.rubric.notes,
        }
    return held


@pytest.mark.parametrize("fixture", ["gift", "xml"])
def test_gift_and_xml_round_trip_what_they_hold(fixture: str) -> None:
    source = gift.parse(GIFT.decode()) if fixture == "gift" else moodle_xml.parse(XML.decode())
    docs = _docs(source)
    for parse, write, xml in (
        (gift.parse, gift_writer.write, False),
        (moodle_xml.parse, moodle_xml.write, True),
    ):
        text, dropped = write(docs, {})
        again = _docs(parse(text))
        assert [_held(d, xml=xml) for d in again] == [_held(d, xml=xml) for d in docs]
        assert all("difficulty" in d for d in dropped)


def test_writers_say_what_they_drop() -> None:
    doc = QuestionDoc.model_validate(
        {
            "topic": "a/b",
            "title": "Rich",
            "kind": "free_text",
            "prompt": "Explain.",
            "rubric": {
                "criteria": [
                    {
                        "name": "c",
                        "points": 2,
                        "levels": [{"points": 0, "descriptor": "no"}, {"points": 2, "descriptor": "yes"}],
                    }
                ],
                "key_points": ["k"],
            },
            "follow_ups": [{"question": "Why?"}],
            "hints": ["h"],
            "difficulty": 3,
        }
    )
    _, dropped = gift_writer.write([doc], {})
    assert {"rubric criteria", "rubric key points", "follow-ups", "hints", "difficulty"} <= set(dropped[0])
    _, dropped = moodle_xml.write([doc], {})
    assert "hints" not in dropped[0] and "follow-ups" in dropped[0]


def test_native_json_dump_parse_is_identity() -> None:
    docs = _docs(moodle_xml.parse(XML.decode())) + _docs(gift.parse(GIFT.decode()))
    text = native_json.dump(BankDoc(questions=docs))
    parsed = native_json.parse(text)
    assert native_json.dump(BankDoc(questions=_docs(parsed))) == text


def test_native_json_per_question_problems() -> None:
    text = '{"format_version": 1, "questions": [{"title": "No topic", "kind": "free_text"}, 7]}'
    result = native_json.parse(text)
    assert [i.where for i in result.items] == ["questions[0]", "questions[1]"]
    assert any("topic" in str(p) for p in result.items[0].problems)


def test_schema_document_is_current() -> None:
    assert native_json.SCHEMA_PATH.read_text(encoding="utf-8") == native_json.schema_text(), (
        "run: python -m app.imports.native_json"
    )


@pytest.mark.parametrize("bomb", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_xml_bombs_are_refused(bomb: bytes) -> None:
    # (the outcome only: how fast the refusal is belongs in bench/, not in a test on a loaded machine)
    result = moodle_xml.parse(bomb.decode())
    assert not result.items and "refused" in result.problems[0].message


def test_category_mapping() -> None:
    c = category_from_path("$course$/top/Default for ML/Supervised learning/Kernel methods", "x")
    assert (c.area, c.topic, c.path) == (
        "Supervised learning",
        "Kernel methods",
        "supervised-learning/kernel-methods",
    )
    assert category_from_path("$system$/Probability", "x").path == "probability/general"
    assert category_from_path("top", "x").path == "imported/uncategorised"
    assert category_from_path("A//B/C", "x").area == "A/B"
    assert "too long" in (category_from_path("a/" + "x" * 70, "x").problem or "")


def test_gift_keeps_tex_newline_macros_and_reads_newline_escapes() -> None:
    result = gift.parse("::T::Line one\\nLine two with $\\nabla f \\neq 0$.{}\n")
    assert _docs(result)[0].prompt == "Line one\nLine two with $\\nabla f \\neq 0$."


def test_html_is_sanitised_and_tex_protected() -> None:
    md = html_to_markdown('<p>Loss <script>alert(1)</script>\\(x_1^2\\) <img src="a.png" alt="plot"></p>')
    assert md == "Loss $x_1^2$ [image: plot]"


_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\n{}=~#:\\$/ "),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() and s == s.strip() and "\r" not in s)


@settings(max_examples=150, deadline=None)
@given(prompt=_text, right=_text, wrong=_text, feedback=_text)
def test_gift_escaping_round_trips_any_text(prompt: str, right: str, wrong: str, feedback: str) -> None:
    if right.casefold() == wrong.casefold():
        return
    doc = QuestionDoc.model_validate(
        {
            "topic": "a/b",
            "title": "T",
            "kind": "single_choice",
            "prompt": prompt,
            "options": [{"text": right, "correct": True, "feedback": feedback}, {"text": wrong}],
            "difficulty": 2,
        }
    )
    text, _ = gift_writer.write([doc], {"a/b": ("a", "b")})
    again = gift.parse(text)
    assert [str(p) for i in again.items for p in i.problems] == []
    back = again.items[0].doc
    assert back is not None
    assert (back.prompt, [o.text for o in back.options], back.options[0].feedback) == (
        doc.prompt,
        [o.text for o in doc.options],
        doc.options[0].feedback,
    )
