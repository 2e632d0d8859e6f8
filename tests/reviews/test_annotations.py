"""Annotations (issue 21): a mentor highlights a span of the candidate's answer and comments on it.
Offsets are code points into the stored answer; a browser's UTF-16 offsets are converted; bad
offsets are refused with a clear message; answer text and comments are escaped everywhere."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from app.reviews import annotation_marks as marks
from app.reviews.models import ReviewAnnotation
from tests.factories import MakeFormat
from tests.reviews.conftest import ANSWERS, claim, complete_draft, take_interview

ANSWER = "Step: θ ≈ θ − η∇L 🙂 <script>alert(1)</script> & done.\r\nSecond line: ∇L again? no, ∇Loss."
HTMX = {"HX-Request": "true"}


def utf16(text: str, cp: int) -> int:
    """What a browser reports for a code-point offset."""
    return len(text[:cp].encode("utf-16-le")) // 2


# ---- pure ----------------------------------------------------------------------------------------


def test_utf16_offsets_become_code_points() -> None:
    text = "θ ≈ ∇L 🙂!"
    assert len(text) == 9 and utf16(text, 9) == 10
    for cp in range(len(text) + 1):
        assert marks.utf16_to_code_points(text, utf16(text, cp)) == cp
    with pytest.raises(marks.SpanError, match="splits a character"):
        marks.utf16_to_code_points(text, 8)  # between the emoji's two surrogates
    with pytest.raises(marks.SpanError, match="outside"):
        marks.utf16_to_code_points(text, 11)


def test_resolve_checks_offsets_and_finds_a_unique_quote() -> None:
    text = "a ∇L b ∇L c 🙂"
    assert marks.resolve(text, 2, 4, "∇L") == (2, 4)
    assert marks.resolve(text, None, None, "c 🙂") == (10, 13)
    for start, end, quote, message in (
        (2, 99, "", "lies outside the answer, which has 13 characters"),
        (4, 2, "", "lies outside"),
        (2, 4, "b", "does not match"),
        (None, None, "∇L", "occurs 2 times"),
        (None, None, "zzz", "does not occur"),
        (None, None, "", "Select part of the answer"),
        (3, None, "", "both the start and the end"),
    ):
        with pytest.raises(marks.SpanError, match=message):
            marks.resolve(text, start, end, quote)


def test_render_escapes_keeps_carriage_returns_and_overlaps() -> None:
    text = "<b>x</b>\r\nθ ∇L"
    notes = [marks.Note(1, "n1", 0, 8), marks.Note(2, "n2", 5, 14)]
    html = str(marks.render(text, notes))
    assert "<b>" not in html and "&lt;b&gt;x&lt;" in html
    assert "&#13;" in html and "\r" not in html
    # 0–5 by note 1, 5–8 by both, 8–14 by note 2; each note's link after its end
    assert re.findall(r'data-notes="([\d, ]+)"', html) == ["1", "1, 2", "2"]
    assert html.index('href="#n1"') < html.index('href="#n2"')
    # without the note links, the text of the DOM is the answer, character for character
    stripped = re.sub(r'<a class="note-ref".*?</a>', "", html)
    assert unescape(re.sub(r"<[^>]+>", "", stripped)) == text


# ---- through HTTP --------------------------------------------------------------------------------


async def annotated_review(make_format: MakeFormat, as_role: Any) -> tuple[Any, Any, dict[str, Any], str]:
    fmt = await make_format()
    cand = await as_role("candidate")
    await take_interview(cand, fmt.id, {**ANSWERS, "free_text": {"text": ANSWER}})
    mentor = await as_role("mentor")
    review = await claim(mentor)
    item = next(i for i in review["items"] if i["kind"] == "free_text")
    return cand, mentor, review, item["id"]


@pytest.mark.anyio
async def test_offsets_round_trip_with_non_ascii_text(make_format: MakeFormat, as_role, db) -> None:
    cand, mentor, review, item_id = await annotated_review(make_format, as_role)
    url = f"/reviews/{review['id']}/items/{item_id}/annotations"
    start = ANSWER.index("θ − η∇L 🙂")
    end = start + len("θ − η∇L 🙂")
    # the browser's offsets (UTF-16: the emoji counts two)
    body = {
        "start": str(utf16(ANSWER, start)),
        "end": str(utf16(ANSWER, end)),
        "unit": "utf16",
        "quote": "θ − η∇L 🙂",
        "comment": "Say which norm: <img src=x onerror=alert(1)>",
    }
    r = await mentor.post(url, data=body, headers=HTMX)
    assert r.status_code == 200, r.text
    assert '<mark data-notes="1">θ − η∇L 🙂</mark>' in r.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text and "<script>alert" not in r.text
    # without script: only the quote (code points found by the server), a plain form redirects
    r = await mentor.post(url, data={"quote": "∇Loss", "comment": "Name it."})
    assert r.status_code == 303 and r.headers["location"].endswith("#annotations-h")
    async with db() as s:
        rows = (
            (await s.execute(select(ReviewAnnotation).order_by(ReviewAnnotation.start_offset)))
            .scalars()
            .all()
        )
    assert [(a.start_offset, a.end_offset, a.quote) for a in rows] == [
        (start, end, "θ − η∇L 🙂"),
        (ANSWER.index("∇Loss"), ANSWER.index("∇Loss") + 5, "∇Loss"),
    ]
    assert all(ANSWER[a.start_offset : a.end_offset] == a.quote for a in rows)
    page = (await mentor.get(f"/reviews/{review['id']}")).text
    assert "&#13;" in page  # the carriage return survives into the DOM: offsets stay exact

    # submitted and released: the candidate sees the marks and the comments (escaped), numbered
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    aid = review["attempt"]["id"]
    assert (await mentor.post(f"/reviews/attempts/{aid}/release")).status_code == 303
    fb = (await cand.get(f"/attempts/{aid}/feedback")).text
    assert "Comments on parts of your answer" in fb
    assert '<mark data-notes="1">θ − η∇L 🙂</mark>' in fb and '<mark data-notes="2">∇Loss</mark>' in fb
    assert "Say which norm: &lt;img src=x onerror=alert(1)&gt;" in fb and "<img src=x" not in fb
    assert 'href="#a1-note-1"' in fb and 'id="a1-note-1"' in fb  # reachable by keyboard, and back
    api = (await cand.get(f"/api/v1/attempts/{aid}/feedback")).json()
    text_item = next(i for i in api["items"] if i["kind"] == "free_text")
    assert [(a["start"], a["end"], a["quote"]) for a in text_item["annotations"]] == [
        (a.start_offset, a.end_offset, a.quote) for a in rows
    ]
    assert text_item["annotations"][0]["reviewer"] == "Reviewer 1"
    # a submitted review's annotations no longer change
    r = await mentor.post(url, data={"quote": "Second", "comment": "late"}, headers=HTMX)
    assert r.status_code == 409


@pytest.mark.anyio
async def test_bad_offsets_are_refused_with_a_clear_message(make_format: MakeFormat, as_role) -> None:
    cand, mentor, review, item_id = await annotated_review(make_format, as_role)
    url = f"/reviews/{review['id']}/items/{item_id}/annotations"
    json_ = {"Accept": "application/json"}
    n = len(ANSWER)
    cases = [
        ({"start": "0", "end": str(n + 1)}, f"which has {n} characters"),
        ({"start": "5", "end": "5"}, "lies outside"),
        ({"start": "0", "end": "4", "quote": "nope"}, "does not match"),
        ({"quote": "∇L"}, "occurs 3 times"),
        ({"quote": "absent"}, "does not occur"),
        (
            {"start": str(utf16(ANSWER, ANSWER.index("🙂")) + 1), "end": "40", "unit": "utf16"},
            "splits a character",
        ),
        ({"quote": "Step"}, "Write a comment"),
    ]
    for body, message in cases:
        data = {"comment": "A comment.", **body} if "Write" not in message else body
        r = await mentor.post(url, data=data, headers=json_)
        assert r.status_code == 422, (body, r.text)
        assert message in r.json()["error"], (body, r.json())
    # someone else's review: 404; a candidate: 403
    other = await as_role("mentor")
    assert (await other.post(url, data={"quote": "Step", "comment": "x"})).status_code == 404
    assert (await cand.post(url, data={"quote": "Step", "comment": "x"})).status_code == 403


@pytest.mark.anyio
async def test_delete_an_annotation(make_format: MakeFormat, as_role, db) -> None:
    _, mentor, review, item_id = await annotated_review(make_format, as_role)
    r = await mentor.post(
        f"/reviews/{review['id']}/items/{item_id}/annotations",
        data={"quote": "Step", "comment": "x"},
        headers=HTMX,
    )
    assert r.status_code == 200
    async with db() as s:
        ann = (await s.execute(select(ReviewAnnotation))).scalar_one()
    r = await mentor.post(f"/reviews/{review['id']}/annotations/{ann.id}/delete", headers=HTMX)
    assert r.status_code == 200 and "<mark" not in r.text
    assert (await mentor.post(f"/reviews/{review['id']}/annotations/{ann.id}/delete")).status_code == 404
