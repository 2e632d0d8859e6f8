"""During an attempt (issue 16): flag a question for review (the palette says so in text) and a
private scratchpad autosaved with the answers' protocol (compare-and-swap, save ids, 409 stale /
closed), through HTTP as the page and its script use them."""

from __future__ import annotations

import pytest

from tests.interviews.conftest import MakeFormat, start

pytestmark = pytest.mark.anyio
HTMX = {"HX-Request": "true"}


def notes(base: int, save_id: str, text: str) -> dict[str, object]:
    return {"base_revision": base, "save_id": save_id, "text": text}


async def test_flag_a_question_and_the_palette_says_so(make_format: MakeFormat, as_role) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await start(cand, fmt.id)
    first, second = attempt["items"][0], attempt["items"][1]
    url = f"/attempts/{attempt['id']}/items/{second['id']}/flag"

    r = await cand.post(url, data={"flagged": "true"}, headers=HTMX)
    assert r.status_code == 200
    assert 'aria-pressed="true"' in r.text and 'data-flagged="true"' in r.text
    page = (await cand.get(f"/attempts/{attempt['id']}")).text
    assert 'class="nav-item unanswered flagged"' in page
    assert page.count(", flagged for review</span>") == 1
    assert 'aria-current="true">1<' in page  # where the candidate is: said by aria-current, not colour
    submit_page = (await cand.get(f"/attempts/{attempt['id']}/submit")).text
    assert "You flagged question for review:" in submit_page
    assert f'href="/attempts/{attempt["id"]}#item-2">2. {second["title"]}</a>' in submit_page
    got = (await cand.get(f"/api/v1/attempts/{attempt['id']}")).json()
    assert [i["flagged"] for i in got["items"]][:2] == [False, True]

    r = await cand.post(url, data={"flagged": "false"})  # without JavaScript: back to the question
    assert r.status_code == 303 and r.headers["location"] == f"/attempts/{attempt['id']}#item-2"
    assert "flagged for review</span>" not in (await cand.get(f"/attempts/{attempt['id']}")).text

    other = await as_role("candidate")
    r = await other.post(f"/attempts/{attempt['id']}/items/{first['id']}/flag", data={"flagged": "true"})
    assert r.status_code == 404
    assert (await cand.post(f"/api/v1/attempts/{attempt['id']}/submit")).status_code == 200
    r = await cand.post(f"/attempts/{attempt['id']}/items/{first['id']}/flag", data={"flagged": "true"})
    assert r.status_code == 409


async def test_notes_follow_the_autosave_protocol(make_format: MakeFormat, as_role) -> None:  # type: ignore[no-untyped-def]
    fmt = await make_format()
    cand = await as_role("candidate")
    attempt = await start(cand, fmt.id)
    url = f"/attempts/{attempt['id']}/notes"

    r = await cand.post(url, json=notes(0, "a", "eta = 0.25"))
    assert r.status_code == 200 and r.json()["revision"] == 1 and r.json()["status"] == "saved"
    assert r.json()["phase"] == "open" and r.json()["remaining_seconds"] > 0
    r = await cand.post(url, json=notes(0, "a", "eta = 0.25"))  # the identical retry of a lost reply
    assert r.status_code == 200 and r.json()["revision"] == 1
    r = await cand.post(url, json=notes(1, "b", "eta = 0.25; check the gradient"))  # the other tab
    assert r.json()["revision"] == 2
    r = await cand.post(url, json=notes(0, "a", "eta = 0.25"))  # the first save's retry, after that
    assert r.status_code == 200 and r.json()["revision"] == 1  # its own outcome, never 409
    r = await cand.post(url, json=notes(1, "c", "an older tab's text"))
    assert r.status_code == 409 and r.json()["reason"] == "stale"
    assert r.json()["revision"] == 2 and r.json()["value"] == {"text": "eta = 0.25; check the gradient"}
    r = await cand.post(url, json=notes(2, "d", "eta = 0.25; check the gradient"))
    assert r.json()["status"] == "unchanged" and r.json()["revision"] == 2
    r = await cand.post(url, data={**notes(2, "e", "sent by the page's beacon"), "csrf_token": cand.csrf})
    assert r.status_code == 200 and r.json()["revision"] == 3
    r = await cand.post(url, json=notes(3, "f", "x" * 20_001))
    assert r.status_code == 413

    page = (await cand.get(f"/attempts/{attempt['id']}")).text
    assert 'data-item-id="notes"' in page and 'data-revision="3"' in page
    assert "sent by the page&#39;s beacon</textarea>" in page
    other = await as_role("candidate")
    assert (await other.post(url, json=notes(3, "g", "not mine"))).status_code == 404

    assert (await cand.post(f"/api/v1/attempts/{attempt['id']}/submit")).status_code == 200
    r = await cand.post(url, json=notes(3, "h", "after submit"))
    assert r.status_code == 409 and r.json()["reason"] == "closed"
