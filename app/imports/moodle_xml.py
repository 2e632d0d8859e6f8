"""Moodle XML: parse (with defusedxml: no DTDs, no entities, no network) and write. Pure module.

Problems name the element path, e.g. `/quiz/question[3]/answer[2]/text` (1-based, as XPath).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET  # only to *build* XML; parsing goes through defusedxml
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from app.imports.common import (
    Category,
    FormatError,
    Parsed,
    ParseResult,
    Problem,
    accepted_answers,
    best_numeric,
    carried,
    category_from_path,
    check_choice_grades,
    check_fraction,
    dropped_fields,
    effective_weights,
    fmt_number,
    is_true_false,
    join_paragraphs,
    lossy_doc,
    media_warning,
    slug_or_none,
)
from app.imports.html_to_markdown import html_to_markdown
from app.questions.native import XML_ILLEGAL, QuestionDoc, control_character

SUPPORTED = ("multichoice", "truefalse", "numerical", "shortanswer", "essay", "matching")
TEMPLATE_HINT = "Response template:"


def _text(el: ET.Element | None, *, convert: bool = True) -> str:
    """The <text> of an element with a format attribute, as Markdown."""
    if el is None:
        return ""
    node = el.find("text")
    raw = (node.text if node is not None else el.text) or ""
    if convert and el.get("format", "html") == "html":
        return html_to_markdown(raw)
    return raw.strip()


def _plain(el: ET.Element, tag: str) -> str:
    node = el.find(tag)
    return (node.text or "").strip() if node is not None else ""


def _fraction(answer: ET.Element, where: str) -> float:
    raw = answer.get("fraction", "0")
    try:
        value = float(raw)
    except ValueError:
        raise FormatError(f"fraction {raw!r} is not a number", where) from None
    if not math.isfinite(value) or not -100 <= value <= 100:
        raise FormatError(f"fraction {raw!r} must be between -100 and 100", where)
    try:
        check_fraction(value, f"fraction {raw!r}")
    except FormatError as exc:
        raise FormatError(exc.message, where) from None
    return value


def _number(text: str, where: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise FormatError(f"numeric answer {text!r} is not a number", where) from None
    if not math.isfinite(x):
        raise FormatError(f"numeric answer {text!r} is not a finite number", where)
    return x


def _answers(q: ET.Element, path: str) -> list[tuple[str, ET.Element]]:
    return [(f"{path}/answer[{i}]", a) for i, a in enumerate(q.findall("answer"), 1)]


def _choice(q: ET.Element, path: str) -> dict[str, Any]:
    single = _plain(q, "single").lower() not in ("false", "0")
    options: list[dict[str, Any]] = []
    for where, a in _answers(q, path):
        frac = _fraction(a, where)
        text = _text(a)
        feedback = _text(a.find("feedback"))
        if single:
            correct = frac >= 99.999
            weight = None if frac in (0, 100) else frac
        else:
            correct, weight = frac > 0, frac
        options.append({"text": text, "correct": correct, "weight": weight, "feedback": feedback})
    try:
        check_choice_grades(options, single=single)
    except FormatError as exc:
        raise FormatError(exc.message, path) from None
    negative = any(isinstance(o["weight"], float) and o["weight"] < 0 for o in options)
    return {
        "kind": "single_choice" if single else "multiple_choice",
        "options": options,
        "negative_marks": negative,
    }


def _true_false(q: ET.Element, path: str) -> dict[str, Any]:
    options = []
    for where, a in _answers(q, path):
        value = _text(a, convert=False).lower()
        if value not in ("true", "false"):
            raise FormatError(
                f"a true/false answer must be 'true' or 'false', not {value!r}", where + "/text"
            )
        options.append(
            {
                "text": value.capitalize(),
                "correct": _fraction(a, where) >= 99.999,
                "feedback": _text(a.find("feedback")),
            }
        )
    options.sort(key=lambda o: o["text"] != "True")
    return {"kind": "single_choice", "options": options}


def _numerical(q: ET.Element, path: str) -> dict[str, Any]:
    answers: list[tuple[float | None, float, float, str]] = []
    for where, a in _answers(q, path):
        raw = _text(a, convert=False)
        feedback = _text(a.find("feedback"))
        if raw == "*":
            answers.append((None, 0.0, 0.0, feedback))
            continue
        tol_raw = _plain(a, "tolerance") or "0"
        tol = _number(tol_raw, where + "/tolerance")
        if tol < 0:
            raise FormatError(f"tolerance {tol_raw!r} is negative", where + "/tolerance")
        answers.append((_number(raw, where + "/text"), tol, _fraction(a, where), feedback))
    try:
        best, extra = best_numeric(answers)
    except FormatError as exc:
        raise FormatError("a numerical question needs an answer", path) from exc
    unit = None
    for u in q.findall("units/unit"):
        if _plain(u, "multiplier") in ("", "1", "1.0") and _plain(u, "unit_name"):
            unit = _plain(u, "unit_name")
            break
    assert best[0] is not None
    return {
        "kind": "numeric",
        "numeric": {"value": best[0], "tolerance": best[1], "unit": unit},
        "reference_answer": join_paragraphs(best[3], extra),
    }


def _short_answer(q: ET.Element, path: str) -> dict[str, Any]:
    answers = [(_text(a), _fraction(a, w), _text(a.find("feedback"))) for w, a in _answers(q, path)]
    return {"kind": "free_text", "reference_answer": accepted_answers(answers) if answers else ""}


def _essay(q: ET.Element, path: str) -> dict[str, Any]:
    template = _text(q.find("responsetemplate"))
    return {
        "kind": "free_text",
        "rubric": {"notes": _text(q.find("graderinfo"))},
        "hints": [f"{TEMPLATE_HINT}\n\n{template}"] if template else [],
    }


def _matching(q: ET.Element, path: str) -> dict[str, Any]:
    """<subquestion> per pair (its <text> the prompt, <answer><text> the answer); no text: a distractor."""
    pairs = []
    for i, sq in enumerate(q.findall("subquestion"), 1):
        answer = _text(sq.find("answer"), convert=False)
        if not answer:
            raise FormatError("a matching pair needs an answer", f"{path}/subquestion[{i}]/answer")
        pairs.append({"prompt": _text(sq), "answer": answer})
    return {"kind": "matching", "pairs": pairs}


KINDS = {
    "multichoice": _choice,
    "truefalse": _true_false,
    "numerical": _numerical,
    "shortanswer": _short_answer,
    "essay": _essay,
    "matching": _matching,
}


def _question(q: ET.Element, path: str, index: int, category: Category) -> Parsed:
    qtype = q.get("type", "")
    title = _plain(q, "name/text")
    if qtype not in KINDS:
        msg = f"question type {qtype!r} is not supported (supported: {', '.join(SUPPORTED)})"
        return Parsed(index, path, title or f"Question {index}", "?", None, category, [Problem(path, msg)])
    try:
        fields = KINDS[qtype](q, path)
    except FormatError as exc:
        where = str(exc.at or path)
        return Parsed(
            index, where, title or f"Question {index}", "?", None, category, [Problem(where, exc.message)]
        )
    problems: list[Problem] = []
    prompt = _text(q.find("questiontext"))
    general = _text(q.find("generalfeedback"))
    fields["reference_answer"] = join_paragraphs(general, fields.get("reference_answer", ""))
    hints = [h for h in (_text(el) for el in q.findall("hint")) if h]
    fields["hints"] = [*fields.get("hints", []), *hints]
    external_id = None
    if idnumber := _plain(q, "idnumber"):
        external_id = slug_or_none(idnumber)
        if external_id is None:
            problems.append(Problem(f"{path}/idnumber", f"idnumber {idnumber!r} has no letters or digits"))
    tags: list[str] = []
    for el in q.findall("tags/tag"):
        slug = slug_or_none(_plain(el, "text"))
        if slug and slug not in tags:
            tags.append(slug)
    title, doc, messages = lossy_doc(
        index, category, title=title, prompt=prompt, external_id=external_id, tags=tags, fields=fields
    )
    problems += [Problem(path, m) for m in messages]
    if category.problem:
        problems.append(Problem(path, f"its category ({category.where}) cannot be used"))
    texts = " ".join(el.text or "" for el in q.iter("text"))
    warning = media_warning(texts, files=len(list(q.iter("file"))))
    return Parsed(index, path, title, fields["kind"], doc, category, problems, [warning] if warning else [])


def parse(text: str, *, limit: int | None = None) -> ParseResult:
    """Parse a Moodle XML quiz (stop past `limit` questions). DTDs, entities and external references are refused."""
    result = ParseResult(format="moodle-xml")
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        result.problems.append(
            Problem(
                "file",
                f"refused: the XML declares a DTD or entities ({type(exc).__name__}); "
                "Moodle XML needs neither, and they can be used for attacks",
            )
        )
        return result
    except ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        result.problems.append(Problem(f"line {line}", f"the XML is not well-formed (column {col + 1})"))
        return result
    if root.tag != "quiz":
        result.problems.append(Problem(f"/{root.tag}", "the root element must be <quiz>"))
        return result
    category = category_from_path("", "/quiz")
    for i, q in enumerate(root.findall("question"), 1):
        path = f"/quiz/question[{i}]"
        if q.get("type") == "category":
            category = category_from_path(_plain(q, "category/text"), path)
            if category.problem:
                result.problems.append(Problem(path, category.problem))
            continue
        if q.get("type") == "description":  # text shown between questions in Moodle, not a question
            result.notes.append(Problem(path, "a description is not a question: skipped"))
            continue
        result.items.append(_question(q, path, len(result.items) + 1, category))
        if result.full(limit):
            break
    return result


# ---- writing ----


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        # only a version stored before such characters were refused has one: XML cannot hold it
        el.text = XML_ILLEGAL.sub("\ufffd", text)
    return el


def _texted(parent: ET.Element, tag: str, text: str, fmt: str = "markdown", **attrs: str) -> ET.Element:
    el = _sub(parent, tag, format=fmt, **attrs)
    _sub(el, "text", text)
    return el


def _answer(q: ET.Element, fraction: float, text: str, feedback: str, fmt: str = "markdown") -> ET.Element:
    a = _texted(q, "answer", text, fmt, fraction=fmt_number(round(fraction, 5)))
    _texted(a, "feedback", feedback)
    return a


def _write_one(quiz: ET.Element, doc: QuestionDoc) -> None:
    hints = list(doc.hints)
    # a parametrised question leaves as an essay with its introduction (the generator cannot travel)
    if doc.kind in ("free_text", "parametrised"):
        qtype = "essay"
    elif doc.kind == "numeric":
        qtype = "numerical"
    elif doc.kind == "matching":
        qtype = "matching"
    elif is_true_false(doc):
        qtype = "truefalse"
    else:
        qtype = "multichoice"
    q = _sub(quiz, "question", type=qtype)
    _sub(_sub(q, "name"), "text", doc.title)
    _texted(q, "questiontext", doc.prompt)
    _texted(q, "generalfeedback", doc.reference_answer)
    _sub(q, "defaultgrade", "1")
    _sub(q, "idnumber", doc.external_id or "")
    if qtype == "essay":
        template = next((h for h in hints if h.startswith(TEMPLATE_HINT)), None)
        _sub(q, "responseformat", "editor")
        _texted(q, "graderinfo", doc.rubric.notes)
        _texted(q, "responsetemplate", template[len(TEMPLATE_HINT) :].strip() if template else "")
        hints = [h for h in hints if h is not template]
    elif qtype == "numerical":
        assert doc.numeric is not None
        n = doc.numeric
        tol = n.tolerance if n.tolerance_mode == "absolute" else abs(n.value) * n.tolerance
        a = _answer(q, 100, fmt_number(n.value), "", "moodle_auto_format")
        _sub(a, "tolerance", fmt_number(tol))
        if n.unit:
            u = _sub(_sub(q, "units"), "unit")
            _sub(u, "multiplier", "1")
            _sub(u, "unit_name", n.unit)
    elif qtype == "matching":
        _sub(q, "shuffleanswers", "true")
        for p in doc.pairs:
            _sub(_sub(_texted(q, "subquestion", p.prompt), "answer"), "text", p.answer)
    elif qtype == "truefalse":
        for o in doc.options:
            _answer(q, 100 if o.correct else 0, o.text.lower(), o.feedback, "moodle_auto_format")
    else:
        single = doc.kind == "single_choice"
        _sub(q, "single", "true" if single else "false")
        _sub(q, "shuffleanswers", "true")
        _sub(q, "answernumbering", "abc")
        for o, w in zip(doc.options, effective_weights(doc), strict=True):
            fraction = 100 if (single and o.correct) else (o.weight or 0) if single else w
            _answer(q, fraction, o.text, o.feedback)
    for h in hints:
        _texted(q, "hint", h)
    if doc.tags:
        tags = _sub(q, "tags")
        for t in doc.tags:
            _sub(_sub(tags, "tag"), "text", t)


def write(docs: list[QuestionDoc], topic_names: dict[str, tuple[str, str]]) -> tuple[str, list[list[str]]]:
    """Moodle XML for the documents, plus what each question lost."""
    quiz = ET.Element("quiz")
    dropped: list[list[str]] = []
    for doc, path in carried(docs, topic_names, dropped):
        if path is not None:
            cat = _sub(quiz, "question", type="category")
            _sub(_sub(cat, "category"), "text", f"$course$/top/{path}")
        _write_one(quiz, doc)
        lost = dropped_fields(doc, keeps_notes=True, keeps_hints=True)
        if control_character(doc.model_dump()):
            lost.append("control characters (written as U+FFFD)")
        dropped.append(lost)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n", dropped
