"""Issue 16, defect 1: the editor must give back exactly what it was given. Multi-line values
(follow-up answers, hints, key points, descriptors, misconception descriptions, option feedback)
sit in textareas, and saving an unchanged form — as a browser posts it, with CRLF line breaks —
creates no new version."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from tests.questions.conftest import counts, form_of, make_doc

pytestmark = pytest.mark.anyio

MULTI = "its own\nneighbour"


class FormFields(HTMLParser):
    """The fields a browser would submit from the editor form, plus which tag carries each."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.tags: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            self.tags[name] = "input"
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            else:
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self.tags[name] = "textarea"
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self.tags[name] = "select"
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            text = "".join(self._text)
            # the HTML parser drops one newline right after <textarea>; browsers post CRLF
            text = text.removeprefix("\n").replace("\n", "\r\n")
            self.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "select":
            self._select = None


def multi_line_doc() -> dict[str, object]:
    doc = make_doc(
        kind="single_choice",
        options=[
            {"text": "Subtract the gradient", "correct": True, "feedback": "Right:\nit descends."},
            {"text": "Add the gradient", "correct": False, "feedback": ""},
        ],
        follow_ups=[{"question": "Which point is\nits neighbour?", "expected_answer": MULTI}],
        hints=["First line\nsecond line"],
    )
    rubric = doc["rubric"]
    assert isinstance(rubric, dict)
    rubric["key_points"] = ["Negative\ngradient direction"]
    rubric["misconceptions"] = [
        {"code": "wrong-sign", "label": "Up", "description": "Moves\nup the gradient"}
    ]
    rubric["criteria"][0]["levels"][1]["descriptor"] = "Correct rule\nwith $\\eta$"
    return doc


async def test_saving_an_unchanged_form_creates_no_new_version(as_role, db, topics) -> None:
    admin = await as_role("admin")
    r = await admin.post("/admin/questions", data=form_of(multi_line_doc()))
    assert r.status_code == 303, r.text
    qid = r.headers["location"].rsplit("/", 1)[1]
    before = await counts(db)

    edit = await admin.get(f"/admin/questions/{qid}/edit")
    parser = FormFields()
    parser.feed(edit.text)
    for name in (
        "follow_ups-0-question",
        "follow_ups-0-expected_answer",
        "hints-0",
        "rubric-key_points-0",
        "rubric-misconceptions-0-description",
        "rubric-criteria-0-levels-1-descriptor",
        "options-0-feedback",
    ):
        assert parser.tags.get(name) == "textarea", name
    assert ("follow_ups-0-expected_answer", MULTI.replace("\n", "\r\n")) in parser.fields

    body = urlencode([*parser.fields, ("action", "save")])
    ctype = {"content-type": "application/x-www-form-urlencoded"}
    r = await admin.post(f"/admin/questions/{qid}", content=body, headers=ctype)
    assert r.status_code == 303, r.text
    assert await counts(db) == before  # nothing changed, so no version 2

    page = await admin.get(f"/admin/questions/{qid}/history")
    assert "v2" not in page.text


async def test_misconception_descriptions_render_maths(as_role, topics) -> None:
    admin = await as_role("admin")
    doc = make_doc()
    doc["rubric"]["misconceptions"] = [
        {"code": "k-one", "label": "One neighbour", "description": "Uses $k = 1$"}
    ]
    r = await admin.post("/admin/questions", data=form_of(doc))
    assert r.status_code == 303, r.text
    page = await admin.get(r.headers["location"])
    assert "$k = 1$" not in page.text
    dd = page.text.split("One neighbour", 1)[1].split("</dd>", 1)[0]
    assert "<math" in dd
