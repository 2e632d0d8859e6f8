"""Matching questions through GIFT, Moodle XML and native JSON: import, export, re-import unchanged."""

from __future__ import annotations

import json

import pytest

from app.imports import gift, gift_writer, moodle_xml
from app.questions.native import QuestionDoc

GIFT_TEXT = """$CATEGORY: $course$/top/Supervised learning/Model families

// [id:families]
::Families::Match each method to its family.{
  =k-means -> clustering
  =PCA -> dimensionality reduction
  =SVM -> classification
  = -> density estimation
  ####k-means groups, PCA projects, an SVM separates.
}
"""
XML_TEXT = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="matching">
    <name><text>Losses</text></name>
    <questiontext format="html"><text><![CDATA[<p>Match each model with the loss it minimises.</p>]]></text></questiontext>
    <generalfeedback format="html"><text></text></generalfeedback>
    <idnumber>losses</idnumber>
    <shuffleanswers>true</shuffleanswers>
    <subquestion format="html"><text><![CDATA[<p>Logistic regression</p>]]></text><answer><text>log loss</text></answer></subquestion>
    <subquestion format="html"><text><![CDATA[<p>Linear SVM</p>]]></text><answer><text>hinge loss</text></answer></subquestion>
    <subquestion format="html"><text><![CDATA[<p>OLS</p>]]></text><answer><text>squared error</text></answer></subquestion>
    <subquestion format="html"><text></text><answer><text>0-1 loss</text></answer></subquestion>
  </question>
</quiz>
"""


def _one(result) -> QuestionDoc:  # type: ignore[no-untyped-def]
    assert result.problems == [] and [p for i in result.items for p in i.problems] == []
    (item,) = result.items
    assert item.kind == "matching" and item.doc is not None
    return item.doc  # type: ignore[no-any-return]


def _pairs(doc: QuestionDoc) -> list[tuple[str, str]]:
    return [(p.prompt, p.answer) for p in doc.pairs]


def test_gift_matching_with_a_distractor() -> None:
    doc = _one(gift.parse(GIFT_TEXT))
    assert doc.external_id == "families" and doc.topic == "supervised-learning/model-families"
    assert _pairs(doc) == [
        ("k-means", "clustering"),
        ("PCA", "dimensionality reduction"),
        ("SVM", "classification"),
        ("", "density estimation"),
    ]
    assert doc.reference_answer == "k-means groups, PCA projects, an SVM separates."


def test_moodle_xml_matching_with_a_distractor() -> None:
    doc = _one(moodle_xml.parse(XML_TEXT))
    assert doc.prompt == "Match each model with the loss it minimises."
    assert _pairs(doc) == [
        ("Logistic regression", "log loss"),
        ("Linear SVM", "hinge loss"),
        ("OLS", "squared error"),
        ("", "0-1 loss"),
    ]


@pytest.mark.parametrize("source", ["gift", "xml"])
def test_each_format_writes_back_what_it_read(source: str) -> None:
    doc = _one(gift.parse(GIFT_TEXT) if source == "gift" else moodle_xml.parse(XML_TEXT))
    for parse, write in ((gift.parse, gift_writer.write), (moodle_xml.parse, moodle_xml.write)):
        text, dropped = write([doc], {})
        again = _one(parse(text))
        assert _pairs(again) == _pairs(doc) and again.prompt == doc.prompt and again.kind == "matching"
        assert "pairs" not in " ".join(dropped[0])


async def _import(admin, data: bytes, fmt: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    r = await admin.post(f"/api/v1/imports?format={fmt}", content=data)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.anyio
@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "json"])
async def test_export_and_reimport_changes_nothing(as_role, fmt: str) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    first = await _import(admin, GIFT_TEXT.encode(), "gift")
    assert first["imported"] and first["counts"]["create"] == 1
    exported = await admin.get(f"/api/v1/exports?format={fmt}")
    assert exported.status_code == 200, exported.text
    if fmt == "json":
        docs = json.loads(exported.text)["questions"]
        assert docs[0]["kind"] == "matching" and len(docs[0]["pairs"]) == 4
    again = await _import(admin, exported.content, fmt)
    assert again["counts"] == {"create": 0, "new version": 0, "unchanged": 1, "error": 0}, again
