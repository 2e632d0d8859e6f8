"""The scratchpad is private (issue 16): a mentor reviewing the attempt sees the candidate's notes
only after the candidate shares them, and not after they stop sharing; nothing else shows them."""

from __future__ import annotations

import pytest

from tests.reviews.conftest import ANSWERS, MakeFormat, claim

pytestmark = pytest.mark.anyio
SECRET = "my private working: tried eta = 2, diverged"


async def test_notes_reach_reviewers_only_when_shared(make_format: MakeFormat, as_role) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    cand = await as_role("candidate")
    r = await cand.post(f"/api/v1/formats/{fmt.id}/attempts")
    attempt = r.json()
    r = await cand.post(
        f"/attempts/{attempt['id']}/notes", json={"base_revision": 0, "save_id": "n1", "text": SECRET}
    )
    assert r.status_code == 200
    for item in attempt["items"]:
        body = {"base_revision": 0, "save_id": "first", **ANSWERS[item["kind"]]}
        await cand.post(f"/attempts/{attempt['id']}/items/{item['id']}/answer", json=body)
    assert (await cand.post(f"/api/v1/attempts/{attempt['id']}/submit")).status_code == 200

    mentor = await as_role("mentor")
    review = await claim(mentor)
    notes_url = f"/reviews/{review['id']}/notes"
    r = await mentor.get(notes_url, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "kept their notes private" in r.text and SECRET not in r.text
    for page in (f"/reviews/{review['id']}", f"/api/v1/reviews/{review['id']}"):
        assert "diverged" not in (await mentor.get(page)).text

    r = await cand.post(
        f"/attempts/{attempt['id']}/notes/share", data={"shared": "true"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "<strong>Shared</strong>" in r.text
    assert SECRET in (await mentor.get(notes_url)).text
    other_mentor = await as_role("mentor")
    assert (await other_mentor.get(notes_url)).status_code == 404  # not their review

    results = (await cand.get(f"/attempts/{attempt['id']}/results")).text
    assert SECRET in results and "Stop sharing my notes" in results  # the candidate's own page
    r = await cand.post(f"/attempts/{attempt['id']}/notes/share", data={"shared": "false"})
    assert r.status_code == 303 and r.headers["location"].endswith("/results#notes")
    assert SECRET not in (await mentor.get(notes_url)).text
    stranger = await as_role("candidate")
    r = await stranger.post(f"/attempts/{attempt['id']}/notes/share", data={"shared": "true"})
    assert r.status_code == 404
