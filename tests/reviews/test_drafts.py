"""Review drafts autosave like answers (acceptance 4): a newer revision is stored, the same one again
is a harmless 200, an older one is a 409 that never overwrites; nothing is lost."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reviews.conftest import MakeFormat, claim, take_interview

pytestmark = pytest.mark.anyio


async def stored(c: Any, rid: str) -> dict[str, Any]:
    r = await c.get(f"/api/v1/reviews/{rid}")
    return {"revision": r.json()["revision"], "summary": r.json()["draft"]["summary"]}


async def test_api_draft_revisions(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    rid = (await claim(mentor))["id"]
    url = f"/api/v1/reviews/{rid}/draft"

    r = await mentor.put(url, json={"revision": 1, "draft": {"summary": "one"}})
    assert r.status_code == 200 and r.json()["status"] == "saved" and r.json()["saved_at"]
    r = await mentor.put(url, json={"revision": 1, "draft": {"summary": "one"}})  # a retry after a lost reply
    assert r.status_code == 200 and r.json()["status"] == "unchanged"
    r = await mentor.put(url, json={"revision": 1, "draft": {"summary": "other tab"}})
    assert r.status_code == 409 and "another tab" in r.json()["error"]
    assert await stored(mentor, rid) == {"revision": 1, "summary": "one"}

    assert (await mentor.put(url, json={"revision": 3, "draft": {"summary": "three"}})).status_code == 200
    r = await mentor.put(url, json={"revision": 2, "draft": {"summary": "late two"}})  # arrives after 3
    assert r.status_code == 409
    assert await stored(mentor, rid) == {"revision": 3, "summary": "three"}

    bad = await mentor.put(url, json={"revision": 4, "draft": {"signals": {"depth": 9}}})
    assert bad.status_code == 422


async def test_page_autosave_posts_the_form(make_format: MakeFormat, as_role) -> None:
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    rid = review["id"]
    text_item = next(i for i in review["items"] if i["kind"] == "free_text")
    p = f"i-{text_item['id']}-"
    form = {
        "revision": "1",
        f"{p}level-0": "2",
        f"{p}comment": "So far $x^2$.",
        "summary": "Draft",
        "recommendation": "yes",
    }
    r = await mentor.post(f"/reviews/{rid}/draft", data=form)
    assert r.status_code == 200 and r.json()["status"] == "saved", r.text
    assert (await mentor.post(f"/reviews/{rid}/draft", data=form)).json()["status"] == "unchanged"
    stale = await mentor.post(f"/reviews/{rid}/draft", data={**form, "summary": "Changed"})
    assert stale.status_code == 409 and stale.json()["reason"] == "stale"
    # reopening the page shows the stored draft: the level is checked, the comment and summary are there
    page = (await mentor.get(f"/reviews/{rid}")).text
    assert f'id="{p}level-0-2" name="{p}level-0" value="2" data-points="2.0" checked' in page
    assert "So far $x^2$." in page and ">Draft</textarea>" in page
    assert 'data-revision="1"' in page
    # after submitting, drafts are refused and the submitted review is unchanged
    missing = await mentor.post(f"/reviews/{rid}/draft", data={"summary": "x"})
    assert missing.status_code == 422


async def test_drafts_after_submit_are_refused(make_format: MakeFormat, as_role) -> None:
    from tests.reviews.conftest import complete_draft

    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    rid = review["id"]
    assert (
        await mentor.post(f"/api/v1/reviews/{rid}/submit", json=complete_draft(review))
    ).status_code == 200
    r = await mentor.put(f"/api/v1/reviews/{rid}/draft", json={"revision": 9, "draft": {"summary": "late"}})
    assert r.status_code == 409
    assert (await stored(mentor, rid))["summary"].startswith("Solid fundamentals")
