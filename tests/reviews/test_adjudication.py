"""Adjudication (issue 21): a flagged disagreement goes to a queue; a third reviewer claims it, sees
the reviews side by side and settles the final scores with a reason; the candidate sees the
adjudicated result (and the original reviews only when the format allows); audited; two
adjudicators cannot both settle it. The bank: free text (rubric 2 + 3 points), single choice
answered right, numeric answered wrong."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from tests import factories
from tests.factories import MakeFormat
from tests.live import LiveDb
from tests.reviews.conftest import ANSWERS, claim, complete_draft, format_doc, take_interview

pytestmark = pytest.mark.anyio


async def disagree(m1: Any, m2: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two mentors review the next attempt far apart: 0 + 0 / strong no against 2 + 3 / strong yes."""
    r1, r2 = await claim(m1), await claim(m2)
    low = complete_draft(r1, levels=(0, 0), recommendation="strong_no")
    low["summary"] = "Reviewer one: <b>weak</b>."
    assert (await m1.post(f"/api/v1/reviews/{r1['id']}/submit", json=low)).status_code == 200
    high = complete_draft(r2, levels=(2, 3), recommendation="strong_yes")
    high["summary"] = "Reviewer two: excellent."
    assert (await m2.post(f"/api/v1/reviews/{r2['id']}/submit", json=high)).status_code == 200
    return r1, r2


def settle_form(
    review: dict[str, Any], *, levels: tuple[int, int] = (1, 2), reason: str = "Levels per rubric."
) -> dict[str, str]:
    form = {"recommendation": "lean_yes", "reason": reason}
    for item in review["items"]:
        if item["kind"] == "free_text":
            for c, level in enumerate(levels):
                form[f"adj-{item['id']}-level-{c}"] = str(level)
        else:
            form[f"adj-{item['id']}-percent"] = "100" if item["kind"] == "single_choice" else "50"
    return form


async def test_flag_queue_side_by_side_settle_and_the_candidates_view(
    make_format: MakeFormat, as_role, db
) -> None:
    fmt = await make_format(reviewers_required=2, auto_release=True)
    cand = await as_role("candidate")
    attempt = await take_interview(cand, fmt.id)
    aid = attempt["id"]
    m1, m2, third = await as_role("mentor"), await as_role("mentor"), await as_role("mentor")
    r1, _ = await disagree(m1, m2)
    # flagged: an auto-releasing format waits for the adjudication instead of releasing
    assert (await cand.get(f"/attempts/{aid}/feedback")).status_code in (403, 404, 409)

    # the queue: the third mentor sees it; the reviewers do not, and may not claim or settle it
    assert f"/adjudication/{aid}/claim" in (await third.get("/adjudication")).text
    for reviewer in (m1, m2):
        assert f"/adjudication/{aid}" not in (await reviewer.get("/adjudication")).text
        r = await reviewer.post(f"/adjudication/{aid}/claim")
        assert r.status_code == 403 and "a third reviewer adjudicates it" in r.text
        assert (await reviewer.post(f"/adjudication/{aid}/settle", data=settle_form(r1))).status_code == 403
    assert (await cand.post(f"/adjudication/{aid}/claim")).status_code == 403

    # claimed and given back: another adjudicator could take it; then the third mentor claims it again
    assert (await third.post(f"/adjudication/{aid}/claim")).status_code == 303
    assert (await third.post(f"/adjudication/{aid}/give-back")).status_code == 303
    assert (await third.post(f"/adjudication/{aid}/give-back")).status_code == 409
    assert f"/adjudication/{aid}/claim" in (await third.get("/adjudication")).text
    r = await third.post(f"/adjudication/{aid}/claim")
    assert r.status_code == 303 and r.headers["location"] == f"/adjudication/{aid}"
    page = (await third.get(f"/adjudication/{aid}")).text
    # side by side: both reviews' scores, recommendations, summaries (escaped), private notes, the answer
    assert "Reviewer 1" in page and "Reviewer 2" in page
    assert "Strong no" in page and "Strong yes" in page
    assert "Reviewer one: &lt;b&gt;weak&lt;/b&gt;." in page or "Reviewer one: <strong>" not in page
    assert "Private: borderline on rigour." in page
    assert "diverges" in page  # the candidate's answer
    assert 'id="settle-adjudication"' in page

    # a settlement without a reason (or a level) is refused with the fields marked, nothing stored
    bad = await third.post(f"/adjudication/{aid}/settle", data=settle_form(r1, reason="  "))
    assert bad.status_code == 422 and "Give the reason for the final scores." in bad.text
    missing = settle_form(r1)
    del missing[next(k for k in missing if k.endswith("-level-0"))]
    bad = await third.post(f"/adjudication/{aid}/settle", data=missing)
    assert bad.status_code == 422 and "Choose a final level for “Correctness”." in bad.text

    r = await third.post(
        f"/adjudication/{aid}/settle",
        data=settle_form(r1, reason="Both <script>x</script> missed the rubric."),
    )
    assert r.status_code == 303, r.text
    # settled twice: 409
    assert (await third.post(f"/adjudication/{aid}/settle", data=settle_form(r1))).status_code == 409
    assert f"/adjudication/{aid}" not in (await third.get("/adjudication")).text
    overview = (await (await as_role("admin")).get("/admin/reviews")).text
    assert f'<a href="/adjudication/{aid}">Settled<' in overview

    # free text (1 + 2) / 5 = 0.6, single 1.0, numeric 0.5 → 70.0 %; released by the settlement
    fb = (await cand.get(f"/api/v1/attempts/{aid}/feedback")).json()
    assert fb["score_percent"] == pytest.approx(70.0) and fb["recommendation"] == "lean_yes"
    assert fb["adjudication"]["reason"] == "Both <script>x</script> missed the rubric."
    assert fb["adjudication"]["original_reviews_shown"] is True and len(fb["reviews"]) == 2
    text_item = next(i for i in fb["items"] if i["kind"] == "free_text")
    assert text_item["fraction"] == pytest.approx(0.6)
    assert [c["mean"] for c in text_item["criteria"]] == [1.0, 2.0]
    md = (await cand.get(f"/attempts/{aid}/feedback.md")).text
    assert "- Score: 70.0 %" in md and "Adjudicated (the reviewers disagreed" in md
    page = (await cand.get(f"/attempts/{aid}/feedback")).text
    assert 'id="adjudicated"' in page and "Adjudicated result." in page
    assert "70.0 %" in page and "Lean yes" in page
    assert "Both &lt;script&gt;x&lt;/script&gt; missed the rubric." in page and "<script>x" not in page
    # the format shows the original reviews too (the default)
    assert "Reviewer two: excellent." in page and "The original reviews are shown below" in page
    assert "Adjudicator" in page  # the final level per criterion is labelled

    # audited: who claimed, who settled, before and after, the reason
    async with db() as s:
        rows = (
            (await s.execute(select(AuditEvent).where(AuditEvent.subject == aid).order_by(AuditEvent.id)))
            .scalars()
            .all()
        )
    assert [e.event for e in rows] == [
        "adjudication_claimed",
        "adjudication_given_back",
        "adjudication_claimed",
        "adjudication_settled",
    ]
    assert {e.actor_id for e in rows} == {third.user.id}
    detail = rows[-1].detail
    # before: (1 + 0 + mean(0, 1)) / 3 → 50.0 %, the median of strong no / strong yes → lean no
    assert detail["before"]["score_percent"] == pytest.approx(50.0)
    assert detail["before"]["recommendation"] == "lean_no"
    assert detail["after"]["score_percent"] == pytest.approx(70.0)
    assert detail["after"]["recommendation"] == "lean_yes"
    assert detail["reason"] == "Both <script>x</script> missed the rubric."


async def test_a_format_may_show_only_the_adjudicated_result(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(reviewers_required=2, adjudication_shows_originals=False)
    cand = await as_role("candidate")
    aid = (await take_interview(cand, fmt.id))["id"]
    r1, _ = await disagree(await as_role("mentor"), await as_role("mentor"))
    admin = await as_role("admin")  # an admin who did not review may adjudicate
    # released before the adjudication (allowed, as before): the settlement then tells the candidate
    assert (await admin.post(f"/reviews/attempts/{aid}/release")).status_code == 303
    assert (await admin.post(f"/adjudication/{aid}/claim")).status_code == 303
    assert (await admin.post(f"/adjudication/{aid}/settle", data=settle_form(r1))).status_code == 303
    notes = (await cand.get("/notifications")).text
    assert "a third reviewer set the final scores" in notes
    page = (await cand.get(f"/attempts/{aid}/feedback")).text
    assert "Adjudicated result." in page and "70.0 %" in page
    assert "Reviewer two: excellent." not in page and "Reviewer one" not in page
    assert "The original reviews are shown below" not in page
    fb = (await cand.get(f"/api/v1/attempts/{aid}/feedback")).json()
    assert fb["reviews"] == [] and fb["adjudication"]["original_reviews_shown"] is False
    # the progress chart counts the adjudicated scores: step size topic (0.6 + 1) / 2 = 80 %
    # (the reviewers' mean would give 75 %), the numeric topic 50 % (not 0 %)
    progress = (await cand.get("/progress")).text
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td>', progress)
    assert sorted(int(v) for _, v in rows) == [50, 80], rows
    assert all(c["levels"][0][0] == "Adjudicator" for i in fb["items"] for c in i["criteria"])


async def test_not_flagged_is_not_adjudicated(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    cand = await as_role("candidate")
    aid = (await take_interview(cand, fmt.id))["id"]
    mentor = await as_role("mentor")
    review = await claim(mentor)
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    r = await (await as_role("admin")).post(f"/adjudication/{aid}/claim")
    assert r.status_code == 404 and "No flagged disagreement" in r.text


async def test_two_adjudicators_at_once_one_wins(live: LiveDb) -> None:
    application = live.app()
    async with live.maker() as s:
        from app.interviews import formats

        fmt = await formats.save_format(
            s, format_doc(title="Adjudication race", reviewers_required=2), admin=None
        )
        await s.commit()
    clients = []
    for roles in (["candidate"], ["mentor"], ["mentor"], ["mentor"], ["mentor", "admin"]):
        user, _ = await live.users.create(roles=roles)
        c = await live.client(application, user.email)
        c.user = user  # type: ignore[attr-defined]
        clients.append(c)
    cand, m1, m2, a, b = clients
    aid = (await factories.take_interview(cand, fmt.id, ANSWERS))["id"]
    r1, _ = await disagree(m1, m2)

    # both claim at the same moment: one gets it, the other a clear 409
    got = await asyncio.gather(a.post(f"/adjudication/{aid}/claim"), b.post(f"/adjudication/{aid}/claim"))
    assert sorted(r.status_code for r in got) == [303, 409]
    loser = b if got[0].status_code == 303 else a
    winner = a if loser is b else b
    lost = next(r for r in got if r.status_code == 409)
    assert "Another adjudicator has claimed this disagreement." in lost.text
    # the loser cannot settle; the winner's two tabs settling at once: one settles, one 409
    assert (await loser.post(f"/adjudication/{aid}/settle", data=settle_form(r1))).status_code == 409
    tabs = await asyncio.gather(
        winner.post(f"/adjudication/{aid}/settle", data=settle_form(r1, levels=(2, 3))),
        winner.post(f"/adjudication/{aid}/settle", data=settle_form(r1, levels=(0, 0))),
    )
    assert sorted(r.status_code for r in tabs) == [303, 409]
    async with live.maker() as s:
        settled = (
            (
                await s.execute(
                    select(AuditEvent).where(
                        AuditEvent.subject == aid, AuditEvent.event == "adjudication_settled"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert len(settled) == 1 and settled[0].actor_id == winner.user.id  # type: ignore[attr-defined]


async def test_the_json_api_claims_and_settles(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format(reviewers_required=2)
    cand = await as_role("candidate")
    aid = (await take_interview(cand, fmt.id))["id"]
    m1, m2 = await as_role("mentor"), await as_role("mentor")
    r1, _ = await disagree(m1, m2)
    third = await as_role("mentor")
    queue = (await third.get("/api/v1/adjudications")).json()
    assert [(e["attempt_id"], e["claimed_until"]) for e in queue] == [(aid, None)]
    assert (await m1.post(f"/api/v1/adjudications/{aid}/claim")).json()["reason"] == "forbidden"
    r = await third.post(f"/api/v1/adjudications/{aid}/claim")
    assert r.status_code == 200 and r.json()["status"] == "claimed"
    assert (await third.get("/api/v1/adjudications")).json()[0]["claimed_by_you"] is True
    items: dict[str, Any] = {}
    for item in r1["items"]:
        items[item["id"]] = {"levels": [1, 2]} if item["kind"] == "free_text" else {"percent": 50}
    body = {"items": items, "recommendation": "lean_no", "reason": "Halfway."}
    bad = await third.post(f"/api/v1/adjudications/{aid}/settle", json={**body, "reason": " "})
    assert bad.status_code == 422 and "reason" in bad.json()["fields"]
    r = await third.post(f"/api/v1/adjudications/{aid}/settle", json=body)
    assert r.status_code == 200, r.text
    # free text (1 + 2) / 5 = 0.6, single 0.5, numeric 0.5 → 53.3 %
    assert r.json()["status"] == "settled" and r.json()["score_percent"] == pytest.approx(53.3)
    again = await third.post(f"/api/v1/adjudications/{aid}/settle", json=body)
    assert again.status_code == 409 and again.json()["reason"] == "settled"
    assert (await third.get("/api/v1/adjudications")).json() == []


async def test_a_stale_tab_cannot_settle_what_its_user_gave_back(
    make_format: MakeFormat, as_role, db
) -> None:
    """Give back in one tab, settle from another (nobody else claimed it meanwhile): 409 with a
    message, nothing changed (red-team pass). A give-back clears the holder."""
    fmt = await make_format(reviewers_required=2)
    cand = await as_role("candidate")
    aid = (await take_interview(cand, fmt.id))["id"]
    m1, m2, third = await as_role("mentor"), await as_role("mentor"), await as_role("mentor")
    r1, _ = await disagree(m1, m2)
    before = (await (await as_role("admin")).get(f"/api/v1/attempts/{aid}/feedback")).status_code
    assert (await third.post(f"/adjudication/{aid}/claim")).status_code == 303
    assert (await third.post(f"/adjudication/{aid}/give-back")).status_code == 303
    r = await third.post(f"/adjudication/{aid}/settle", data=settle_form(r1))  # the other tab
    assert r.status_code == 409 and "gave it back" in r.text, r.text[:500]
    api = await third.post(
        f"/adjudication/{aid}/settle", data=settle_form(r1), headers={"Accept": "application/json"}
    )
    assert api.status_code == 409 and api.json()["reason"] == "not_claimed"
    async with db() as s:
        settled = (
            (
                await s.execute(
                    select(AuditEvent).where(
                        AuditEvent.event == "adjudication_settled", AuditEvent.subject == aid
                    )
                )
            )
            .scalars()
            .all()
        )
    assert settled == []
    assert f"/adjudication/{aid}/claim" in (await third.get("/adjudication")).text  # still open to claim
    after = (await (await as_role("admin")).get(f"/api/v1/attempts/{aid}/feedback")).status_code
    assert after == before
    # claimed again, the same mentor settles it
    assert (await third.post(f"/adjudication/{aid}/claim")).status_code == 303
    assert (await third.post(f"/adjudication/{aid}/settle", data=settle_form(r1))).status_code == 303
