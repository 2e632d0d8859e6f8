"""A matching question through HTTP: authored in the editor, drawn into an attempt, answered
(JSON and a plain form post), graded with partial credit, shown on the results page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.interviews.conftest import TOPIC, start

pytestmark = pytest.mark.anyio

EDITOR_FORM = {
    "title": "Optimisers and their ideas",
    "topic": TOPIC,
    "kind": "matching",
    "difficulty": "2",
    "estimated_minutes": "3",
    "prompt": "Match each optimiser with the idea it adds to plain gradient descent.",
    "pairs-0-prompt": "Momentum",
    "pairs-0-answer": "a running average of past gradients",
    "pairs-1-prompt": "AdaGrad",
    "pairs-1-answer": "per-coordinate step sizes from summed squared gradients",
    "pairs-2-prompt": "Newton's method",
    "pairs-2-answer": "curvature from the Hessian",
    "pairs-3-prompt": "",
    "pairs-3-answer": "a random restart",  # a distractor
}


async def _author_matching(admin) -> str:  # type: ignore[no-untyped-def]
    r = await admin.post("/admin/questions", data=EDITOR_FORM)
    assert r.status_code in (200, 303), r.text[:500]
    listing = await admin.get("/api/v1/questions", params={"kind": "matching"})
    (summary,) = listing.json()["items"]
    assert summary["kind"] == "matching"
    qid: str = summary["id"]
    assert (await admin.post(f"/api/v1/questions/{qid}/publish")).status_code == 200
    doc = (await admin.get(f"/api/v1/questions/{qid}")).json()["document"]
    assert [p["prompt"] for p in doc["pairs"]] == ["Momentum", "AdaGrad", "Newton's method", ""]
    return qid


async def test_editor_refuses_a_matching_question_with_one_pair(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    form = {k: v for k, v in EDITOR_FORM.items() if not k.startswith(("pairs-1", "pairs-2"))}
    r = await admin.post("/admin/questions", data=form)
    assert r.status_code == 422 and "at least two pairs with a prompt" in r.text
    added = await admin.post("/admin/questions", data={**form, "action": "add:pairs"})
    assert added.status_code == 200 and 'name="pairs-3-prompt"' in added.text


async def test_matching_attempt_is_graded_with_partial_credit(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    qid = await _author_matching(admin)
    fmt = await make_format(slots=[{"question_id": qid}], keys_shown="at_submit")
    c = await as_role("candidate")
    a = await start(c, fmt.id)
    (item,) = a["items"]
    assert item["kind"] == "matching"
    view: dict[str, Any] = item["view"]
    answers = [x["text"] for x in view["answers"]]
    assert (
        answers == sorted(answers, key=str.casefold) and len(answers) == 4 and len(view["prompts_html"]) == 3
    )
    assert "pairs" not in str(item) and item["correct"] is None  # no key before the end
    page = await c.get(f"/attempts/{a['id']}")
    assert page.text.count('name="matches"') == 3 and 'data-answer-field="matches"' in page.text
    assert re.search(r'<label for="match-1-0" class="match-prompt"><p>Momentum</p>', page.text)
    right = [answers.index(t) for t in (EDITOR_FORM[f"pairs-{i}-answer"] for i in range(3))]
    url = f"/attempts/{a['id']}/items/{item['id']}/answer"
    # a plain form post (no script): one select per prompt, "" for one left unanswered
    form = [("base_revision", "0"), ("save_id", "f1")] + [
        ("matches", str(x)) for x in (right[0], right[1], "")
    ]
    r = await c.post(
        url,
        content="&".join(f"{k}={v}" for k, v in form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and r.json()["revision"] == 1, r.text
    # the page's script sends JSON: the last prompt answered wrongly
    wrong = (right[2] + 1) % 4
    r = await c.post(url, json={"base_revision": 1, "save_id": "j1", "matches": [right[0], right[1], wrong]})
    assert r.status_code == 200 and r.json()["revision"] == 2, r.text
    assert (await c.post(url, json={"base_revision": 2, "save_id": "x", "choice": 0})).status_code == 422
    r = await c.post(f"/attempts/{a['id']}/submit", data={})
    assert r.status_code == 303
    res = (await c.get(f"/api/v1/attempts/{a['id']}/result")).json()
    assert res["auto_score"] == pytest.approx(2 / 3) and res["auto_max"] == 1.0 and not res["needs_review"]
    assert res["items"][0]["correct"] == right
    results = await c.get(f"/attempts/{a['id']}/results")
    assert results.status_code == 200 and "0.67 / 1" in results.text
    assert results.text.count('class="correct"') == 2 and results.text.count('class="wrong"') == 1
