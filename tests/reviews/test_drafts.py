"""Review drafts autosave like answers (acceptance 4): a newer revision is stored, the same one again
is a harmless 200, an older one is a 409 that never overwrites; nothing is lost."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import MakeFormat
from tests.reviews.conftest import claim, take_interview

pytestmark = pytest.mark.anyio
SCRIPT = {"Accept": "application/json"}  # as static/js/autosave.js sends it: errors come as JSON


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


async def test_page_autosave_is_compare_and_swap(make_format: MakeFormat, as_role) -> None:
    """The review page saves with the answers' protocol (static/js/autosave.js): base_revision and
    save_id; a retry is a 200, a save based on an older revision is a 409 stale that writes nothing."""
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    review = await claim(mentor)
    rid = review["id"]
    text_item = next(i for i in review["items"] if i["kind"] == "free_text")
    p = f"i-{text_item['id']}-"
    form = {
        f"{p}level-0": ["2"],
        f"{p}comment": ["So far $x^2$."],
        "summary": ["Draft"],
        "recommendation": ["yes"],
    }
    url = f"/reviews/{rid}/draft"
    first = {"base_revision": 0, "save_id": "a1", "form": form}
    r = await mentor.post(url, headers=SCRIPT, json=first)
    assert r.status_code == 200 and r.json()["status"] == "saved", r.text
    assert r.json()["revision"] == 1 and r.json()["save_id"] == "a1"
    retry = await mentor.post(
        url, headers=SCRIPT, json=first
    )  # the reply was lost: the identical request again
    assert retry.status_code == 200 and retry.json()["revision"] == 1
    # another tab, still based on revision 0, with other text: refused, nothing written
    other = {"base_revision": 0, "save_id": "b1", "form": {**form, "summary": ["Other tab"]}}
    stale = await mentor.post(url, headers=SCRIPT, json=other)
    assert stale.status_code == 409 and stale.json()["reason"] == "stale"
    assert stale.json()["revision"] == 1
    # a later revision number does not help either (the old protocol let it overwrite)
    ahead = await mentor.post(url, headers=SCRIPT, json={**other, "base_revision": 5})
    assert ahead.status_code == 409 and ahead.json()["reason"] == "stale"
    # reopening the page shows the stored draft: the level is checked, the comment and summary are there
    page = (await mentor.get(f"/reviews/{rid}")).text
    assert f'id="{p}level-0-2" name="{p}level-0" value="2" data-points="2.0" checked' in page
    assert "So far $x^2$." in page and ">Draft</textarea>" in page
    assert 'data-revision="1"' in page
    # the next save builds on the stored revision
    nxt = await mentor.post(
        url, json={"base_revision": 1, "save_id": "a2", "form": {**form, "summary": ["More"]}}
    )
    assert nxt.status_code == 200 and nxt.json()["revision"] == 2
    missing = await mentor.post(url, headers=SCRIPT, json={"form": {"summary": ["x"]}})
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
    page = await mentor.post(
        f"/reviews/{rid}/draft",
        headers=SCRIPT,
        json={"base_revision": 0, "save_id": "x", "form": {"summary": ["late"]}},
    )
    assert page.status_code == 409 and page.json()["reason"] == "closed"
    assert (await stored(mentor, rid))["summary"].startswith("Solid fundamentals")


async def test_a_late_duplicate_of_an_older_draft_save_is_answered_as_its_original(
    make_format: MakeFormat, as_role
) -> None:
    """A retried save arriving after a newer one was stored (its first reply was lost; the page
    already moved on): the same 200 as its original, as for answers — not a false "changed in
    another tab" 409 — and nothing is overwritten (red-team pass)."""
    fmt = await make_format()
    await take_interview(await as_role("candidate"), fmt.id)
    mentor = await as_role("mentor")
    rid = (await claim(mentor))["id"]
    url = f"/reviews/{rid}/draft"
    first = {"base_revision": 0, "save_id": "s1", "form": {"summary": ["First"]}}
    second = {"base_revision": 1, "save_id": "s2", "form": {"summary": ["Second"]}}
    assert (await mentor.post(url, headers=SCRIPT, json=first)).json()["revision"] == 1
    assert (await mentor.post(url, headers=SCRIPT, json=second)).json()["revision"] == 2
    late = await mentor.post(url, headers=SCRIPT, json=first)  # the duplicate of s1, late
    assert late.status_code == 200, late.text
    assert (
        late.json()["status"] == "saved" and late.json()["revision"] == 1 and late.json()["save_id"] == "s1"
    )
    page = (await mentor.get(f"/reviews/{rid}")).text
    assert ">Second</textarea>" in page and 'data-revision="2"' in page  # nothing overwritten
    # a different save on the old base is still refused
    other = {"base_revision": 1, "save_id": "t1", "form": {"summary": ["Other tab"]}}
    stale = await mentor.post(url, headers=SCRIPT, json=other)
    assert stale.status_code == 409 and stale.json()["reason"] == "stale"
