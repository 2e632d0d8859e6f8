"""IDOR and roles (acceptance 2): claims are private, no mentor reviews their own attempt, feedback
only after release and only for its candidate, and blind review leaks no name or email anywhere a
mentor looks (pages, fragments, API responses)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.auth.models import AuditEvent
from tests.factories import MakeFormat
from tests.reviews.conftest import claim, complete_draft, take_interview

pytestmark = pytest.mark.anyio

NAME = "Quintessa Vandermolen"
EMAIL = "quintessa.vdm@example.org"


async def candidate(users: Any, make_client: Any, **kw: Any) -> Any:
    user, password = await users.create(**kw)
    c = await make_client()
    await c.login(user.email, password)
    c.user = user
    return c


async def test_claims_and_reviews_are_private_to_their_mentor(
    make_format: MakeFormat, users, make_client, as_role
) -> None:
    fmt = await make_format()
    cand = await candidate(users, make_client)
    await take_interview(cand, fmt.id)
    mentor, other = await as_role("mentor"), await as_role("mentor")
    review = await claim(mentor)
    rid = review["id"]
    for path in (f"/reviews/{rid}", f"/api/v1/reviews/{rid}"):
        assert (await other.get(path)).status_code == 404
    assert (
        await other.put(f"/api/v1/reviews/{rid}/draft", json={"revision": 1, "draft": {}})
    ).status_code == 404
    assert (await other.post(f"/reviews/{rid}/draft", data={"revision": "1"})).status_code == 404
    assert (await other.post(f"/api/v1/reviews/{rid}/submit", json=complete_draft(review))).status_code == 404
    assert (await other.delete(f"/api/v1/reviews/{rid}/claim")).status_code == 404
    # a mentor who did not review it cannot release it; a candidate cannot reach mentor routes at all
    assert (
        await other.post(f"/api/v1/reviews/attempts/{review['attempt']['id']}/release")
    ).status_code == 404
    assert (await cand.get(f"/reviews/{rid}")).status_code == 403
    assert (await cand.get("/api/v1/reviews/queue")).status_code == 403


async def test_a_mentor_never_gets_their_own_attempt(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    mentor = await as_role("mentor")
    await take_interview(mentor, fmt.id)
    assert (await mentor.post("/api/v1/reviews/claims")).status_code == 204
    assert (await mentor.get("/api/v1/reviews/queue")).json()["items"] == []
    page = await mentor.post("/reviews/claim", data={})
    assert page.status_code == 409 and "Nothing to claim" in page.text


async def test_feedback_only_after_release_and_only_for_its_candidate(
    make_format: MakeFormat, users, make_client, as_role
) -> None:
    fmt = await make_format()
    cand = await candidate(users, make_client)
    attempt = await take_interview(cand, fmt.id)
    stranger, admin = await as_role("candidate"), await as_role("admin")
    paths = [f"/attempts/{attempt['id']}/feedback", f"/api/v1/attempts/{attempt['id']}/feedback"]
    for path in paths:
        assert (await cand.get(path)).status_code == 404  # not released yet
    mentor = await as_role("mentor")
    review = await claim(mentor)
    assert (
        await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    ).status_code == 200
    for path in paths:
        assert (await cand.get(path)).status_code == 404  # reviewed, not released
    r = await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")
    assert r.status_code == 200 and r.json()["state"] == "released"
    # the candidate is notified in the app: the nav badge counts it
    badge = await cand.get("/notifications/count", headers={"HX-Request": "true"})
    assert "<strong>1</strong>" in badge.text
    assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 409
    for path in paths:
        assert (await cand.get(path)).status_code == 200
        assert (await stranger.get(path)).status_code == 404
        assert (await admin.get(path)).status_code == 404  # admins see reviews on their own pages
    rating = await stranger.post(f"/api/v1/attempts/{attempt['id']}/feedback/rating", json={"rating": 5})
    assert rating.status_code == 404
    # opening the feedback marked the notification read
    assert "<strong>" not in (await cand.get("/notifications/count", headers={"HX-Request": "true"})).text
    page = await cand.get("/notifications")
    assert f"/attempts/{attempt['id']}/feedback" in page.text


def leaks(text: str) -> list[str]:
    return [s for s in (NAME, EMAIL, "Quintessa", "vdm@") if re.search(re.escape(s), text, re.I)]


async def test_blind_review_leaks_no_name_or_email(
    make_format: MakeFormat, users, make_client, as_role, db
) -> None:
    blind = await make_format(blind_review=True, reviewers_required=2)
    cand = await candidate(users, make_client, name=NAME, email=EMAIL)
    attempt = await take_interview(cand, blind.id)
    a, b = await as_role("mentor"), await as_role("admin")  # an admin reviewing is blind too
    seen: list[tuple[str, str]] = []

    async def look(c: Any, method: str, path: str, **kw: Any) -> Any:
        r = await c.request(method, path, **kw)
        assert r.status_code < 500, (path, r.status_code)
        seen.append((path, r.text))
        return r

    htmx = {"HX-Request": "true"}
    for c in (a, b):
        await look(c, "GET", "/reviews")
        await look(c, "GET", "/reviews", headers=htmx)
        await look(c, "GET", "/api/v1/reviews/queue")
    review_a = await claim(a)
    review_b = await claim(b)
    for c, review in ((a, review_a), (b, review_b)):
        rid = review["id"]
        seen.append(("review api", str(review)))
        assert review["attempt"]["candidate"] and review["attempt"]["blind"]
        await look(c, "GET", f"/reviews/{rid}")
        await look(c, "GET", f"/reviews/{rid}", headers=htmx)
        await look(c, "POST", f"/reviews/{rid}/preview?field=summary", data={"summary": "x"}, headers=htmx)
        await look(c, "POST", f"/reviews/{rid}/draft", data={"revision": "1", "summary": "draft"})
        await look(c, "POST", f"/reviews/{rid}/submit", data={"summary": ""})  # 422 page
        await look(c, "POST", f"/api/v1/reviews/{rid}/submit", json={"summary": ""})  # 422 JSON
        await look(c, "POST", f"/api/v1/reviews/{rid}/submit", json=complete_draft(review))
        await look(c, "GET", f"/reviews/{rid}")
        await look(c, "GET", "/api/v1/reviews/mine")
        await look(c, "GET", "/reviews")
    await look(a, "POST", f"/api/v1/reviews/attempts/{attempt['id']}/release")
    await look(
        b, "GET", f"/admin/reviews/attempts/{attempt['id']}"
    )  # admin pages stay blind until un-blinded
    assert review_a["attempt"]["candidate"] == review_b["attempt"]["candidate"]  # stable per attempt
    for path, body in seen:
        assert not leaks(body), (path, leaks(body))

    # un-blinding is for admins and is audited
    assert (await a.post(f"/admin/reviews/attempts/{attempt['id']}/unblind")).status_code == 403
    r = await b.post(f"/admin/reviews/attempts/{attempt['id']}/unblind", headers=htmx)
    assert r.status_code == 200 and NAME in r.text and EMAIL in r.text
    async with db() as s:
        events = (
            (await s.execute(select(AuditEvent).where(AuditEvent.event == "review_unblinded")))
            .scalars()
            .all()
        )
    assert [(e.actor_id, e.subject) for e in events] == [(b.user.id, str(cand.user.id))]


async def test_names_are_shown_when_the_format_is_not_blind(
    make_format: MakeFormat, users, make_client, as_role
) -> None:
    # the same search finds the name on a non-blind format: the blind test above can see a leak
    fmt = await make_format()
    cand = await candidate(users, make_client, name=NAME, email=EMAIL)
    await take_interview(cand, fmt.id)
    mentor = await as_role("mentor")
    assert NAME in (await mentor.get("/reviews")).text
    review = await claim(mentor)
    assert review["attempt"]["candidate"] == NAME
    assert EMAIL not in (await mentor.get(f"/reviews/{review['id']}")).text  # never the email
