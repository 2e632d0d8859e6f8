"""Issue 16 defects on the review and results pages, driven through HTTP as a browser would:
the queue filter with one select left at "all" (2), the recommendation of two reviewers (3),
Markdown/LaTeX in the candidate's own answer and in misconception descriptions (4), and the
release time on the results page (5)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.kit import clock
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio


async def test_queue_filter_treats_an_empty_select_as_all(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    page = await mentor.get("/reviews")
    area = re.search(r'<select id="f-topic" name="topic_id">.*?<option value="(\d+)"', page.text, re.S)
    assert area is not None
    for query in (
        {"format_id": str(fmt.id), "topic_id": ""},
        {"format_id": "", "topic_id": area.group(1)},
        {"format_id": "", "topic_id": ""},
    ):
        r = await mentor.get("/reviews", params=query)
        assert r.status_code == 200, (query, r.text[:300])
    only_format = await mentor.get("/reviews", params={"format_id": str(fmt.id), "topic_id": ""})
    assert "Review test format" in only_format.text
    assert "Waiting for review (1)" in only_format.text


async def test_two_reviewers_yes_and_strong_no_give_the_middle(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(reviewers_required=2)
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    m1, m2 = await as_role("mentor"), await as_role("mentor")
    r1, r2 = await claim(m1), await claim(m2)
    for m, r, rec in ((m1, r1, "yes"), (m2, r2, "strong_no")):
        res = await m.post(f"/api/v1/reviews/{r['id']}/submit", json=complete_draft(r, recommendation=rec))
        assert res.status_code == 200, res.text
    assert (await m1.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 200
    fb = (await cand.get(f"/api/v1/attempts/{attempt['id']}/feedback")).json()
    assert fb["recommendation"] == "lean_no"  # halfway between yes (4) and strong no (0)
    page = await cand.get(f"/attempts/{attempt['id']}/feedback")
    overall = re.search(r'id="feedback-recommendation">([^<]*)</strong>\s*(<small>[^<]*</small>)', page.text)
    assert overall is not None
    assert overall.group(1) == "Lean no"
    assert "between the 2 reviewers" in overall.group(2)


async def test_results_render_own_answer_and_show_the_release_time(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    results = await cand.get(f"/attempts/{attempt['id']}/results")
    assert "<strong>diverges</strong>" in results.text and "<math" in results.text
    assert "**diverges**" not in results.text

    clock.advance(timedelta(minutes=7))
    mentor = await as_role("mentor")
    review = await claim(mentor)
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    released_at = clock.now()
    assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 200
    results = await cand.get(f"/attempts/{attempt['id']}/results")
    state = re.search(r'<p id="attempt-state">(.*?)</p>', results.text, re.S)
    assert state is not None
    text = " ".join(state.group(1).split())
    assert f"Feedback released at {released_at:%Y-%m-%d %H:%M} UTC" in text, text
    assert "Released at" not in text


async def test_one_minute_is_singular(make_format: MakeFormat, as_role) -> None:
    await make_format(title="One-minute drill", time_limit_minutes=1)
    await make_format(title="Ninety-second drill", time_limit_minutes=1.5)
    page = (await (await as_role("candidate")).get("/interviews")).text
    one = page.split("One-minute drill", 1)[1].split("</small>", 1)[0]
    assert "1 minute " in one or "1 minute<" in one or "1 minute\n" in one, one
    assert "1 minutes" not in page
    assert "1.5 minutes" in page.split("Ninety-second drill", 1)[1].split("</small>", 1)[0]


async def test_reviewers_are_numbered_alike_everywhere_and_admins_see_names(
    make_format: MakeFormat, as_role
) -> None:
    fmt = await make_format(reviewers_required=2, blind_review=True)
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    m1, m2 = await as_role("mentor"), await as_role("mentor")
    r1, r2 = await claim(m1), await claim(m2)
    d1 = {**complete_draft(r1, recommendation="yes"), "summary": "First summary."}
    d2 = {**complete_draft(r2, recommendation="strong_no"), "summary": "Second summary."}
    assert (await m1.post(f"/api/v1/reviews/{r1['id']}/submit", json=d1)).status_code == 200
    assert (await m2.post(f"/api/v1/reviews/{r2['id']}/submit", json=d2)).status_code == 200

    def heading_before(html: str, text: str, levels: str = "234") -> str:
        return re.findall(rf"<h[{levels}][^>]*>([^<]*)", html.split(text, 1)[0])[-1]

    page = (await m2.get(f"/reviews/{r2['id']}")).text  # m1 submitted first: Reviewer 1
    assert heading_before(page, "First summary.") == "Reviewer 1"
    admin = await as_role("admin")
    page = (await admin.get(f"/admin/reviews/attempts/{attempt['id']}")).text
    assert heading_before(page, "First summary.", "2") == f"Reviewer 1 · {m1.user.display_name}"
    assert heading_before(page, "Second summary.", "2") == f"Reviewer 2 · {m2.user.display_name}"
    assert m1.user.display_name in page and m2.user.display_name in page  # blindness is for mentors
    assert (await m1.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 200
    fb = (await cand.get(f"/api/v1/attempts/{attempt['id']}/feedback")).json()
    assert [(r["reviewer"], r["recommendation"]) for r in fb["reviews"]] == [
        ("Reviewer 1", "yes"),
        ("Reviewer 2", "strong_no"),
    ]
    assert m1.user.display_name not in (await cand.get(f"/attempts/{attempt['id']}/feedback")).text


async def test_own_feedback_downloads_as_json_and_markdown(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 200
    page = (await cand.get(f"/attempts/{attempt['id']}/feedback")).text
    assert (
        f"/attempts/{attempt['id']}/feedback.md" in page
        and f"/attempts/{attempt['id']}/feedback.json" in page
    )

    md = await cand.get(f"/attempts/{attempt['id']}/feedback.md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    assert md.text.startswith("# Feedback: Review test format")
    assert "Solid fundamentals; be precise about **convergence**." in md.text  # the reviewer's own Markdown
    assert "Good use of $\\eta$." in md.text and "## Question 1" in md.text

    js = await cand.get(f"/attempts/{attempt['id']}/feedback.json")
    assert js.status_code == 200 and "attachment" in js.headers["content-disposition"]
    assert js.json()["attempt_id"] == attempt["id"]
    # only one's own: another candidate gets 404
    other = await as_role("candidate")
    assert (await other.get(f"/attempts/{attempt['id']}/feedback.md")).status_code == 404
    assert (await other.get(f"/attempts/{attempt['id']}/feedback.json")).status_code == 404


async def test_search_past_feedback(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    ids = []
    for word in ("eigenvalues", "regularisation"):
        attempt = await take_interview(cand, fmt.id)
        mentor = await as_role("mentor")
        review = await claim(mentor)
        draft = {**complete_draft(review), "summary": f"Revise {word} before the next round."}
        assert (await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=draft)).status_code == 200
        assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 200
        ids.append(attempt["id"])
    page = (await cand.get("/feedback", params={"q": "Eigenvalues"})).text
    assert f"/attempts/{ids[0]}/feedback" in page and f"/attempts/{ids[1]}/feedback" not in page
    every = (await cand.get("/feedback")).text
    assert all(f"/attempts/{i}/feedback" in every for i in ids)
    other = (await (await as_role("candidate")).get("/feedback", params={"q": "eigenvalues"})).text
    assert f"/attempts/{ids[0]}/feedback" not in other  # only one's own
