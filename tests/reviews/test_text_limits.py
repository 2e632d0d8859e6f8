"""Texts over their size limit, one rule (docs/DEVELOPING.md, "Errors"): a text that autosaves
(the answers' protocol: answers, scratchpad, follow-up answers, interviewer notes, review drafts)
is refused with 413 `too_large` and a message naming the limit; a form field is refused with 422
and the field's own message naming its limit (the form re-rendered, or `fields` for a script).
Nothing is stored and nothing is cut short silently, whatever the length."""

from __future__ import annotations

from typing import Any

import pytest

from app.reviews.schemas import MAX_COMMENT_CHARS
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview
from tests.reviews.test_annotations import annotated_review

pytestmark = pytest.mark.anyio
SCRIPT = {"Accept": "application/json"}
LONG = "x" * (MAX_COMMENT_CHARS + 1)


async def test_a_review_draft_over_the_limit_is_413_on_the_page_and_the_api(
    make_format: MakeFormat, as_role: Any
) -> None:
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    rid = (await claim(mentor))["id"]
    save = {"base_revision": 0, "save_id": "a1", "form": {"summary": [LONG]}}
    r = await mentor.post(f"/reviews/{rid}/draft", json=save)
    assert r.status_code == 413 and r.json()["reason"] == "too_large", r.text[:300]
    assert f"{MAX_COMMENT_CHARS:,}" in r.json()["error"]
    r = await mentor.put(f"/api/v1/reviews/{rid}/draft", json={"revision": 1, "draft": {"summary": LONG}})
    assert r.status_code == 413 and r.json()["reason"] == "too_large", r.text[:300]
    stored = (await mentor.get(f"/api/v1/reviews/{rid}")).json()
    assert stored["revision"] == 0 and stored["draft"]["summary"] == ""


async def test_a_submitted_review_over_the_limit_is_refused_not_cut_short(
    make_format: MakeFormat, as_role: Any
) -> None:
    """The review form's summary past 20,000 characters was cut to 20,000 and submitted."""
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    form: dict[str, Any] = {"summary": LONG, "recommendation": "yes"}
    for item in review["items"]:
        form[f"i-{item['id']}-comment"] = "fine"
        for c, _ in enumerate(item.get("criteria") or []):
            form[f"i-{item['id']}-level-{c}"] = "1"
    r = await mentor.post(f"/reviews/{review['id']}/submit", data=form)
    assert r.status_code == 422, r.text[:300]
    assert f"At most {MAX_COMMENT_CHARS:,} characters" in r.text
    assert (await mentor.get(f"/api/v1/reviews/{review['id']}")).json()["status"] == "claimed"
    draft = complete_draft(review)
    r = await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json={**draft, "summary": LONG})
    assert r.status_code == 422 and "summary" in str(r.json().get("fields")), r.text[:300]


async def test_an_annotation_comment_over_the_limit_gets_its_own_message(
    make_format: MakeFormat, as_role: Any
) -> None:
    _, mentor, review, item_id = await annotated_review(make_format, as_role)
    url = f"/reviews/{review['id']}/items/{item_id}/annotations"
    for comment in ("y" * 2_001, "y" * 20_001):  # past the comment's limit, past the old parser's
        r = await mentor.post(url, data={"quote": "done", "comment": comment}, headers=SCRIPT)
        assert r.status_code == 422, r.text[:300]
        assert r.json()["fields"] == {"comment": "At most 2000 characters."}, r.text[:300]


async def test_a_feedback_comment_over_the_limit_gets_its_own_message(
    make_format: MakeFormat, as_role: Any
) -> None:
    cand, mentor, review, _ = await annotated_review(make_format, as_role)
    r = await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    assert r.status_code == 200, r.text
    aid = review["attempt"]["id"]
    assert (await mentor.post(f"/reviews/attempts/{aid}/release")).status_code == 303
    for comment in ("c" * 2_001, "c" * 4_001):
        r = await cand.post(f"/attempts/{aid}/feedback/rating", data={"rating": "4", "comment": comment})
        assert r.status_code == 422, r.text[:300]
        assert "2000 characters" in r.text and "Some fields are missing" not in r.text
        api = await cand.post(
            f"/api/v1/attempts/{aid}/feedback/rating", json={"rating": 4, "comment": comment}
        )
        assert api.status_code == 422 and "2000" in str(api.json()), api.text[:300]
