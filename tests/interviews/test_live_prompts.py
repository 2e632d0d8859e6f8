"""The candidate's side of the live follow-up ladder (issue 20): a follow-up or hint the interviewer
sent shows on the attempt page (and alone, for the page's script), and the answer to a follow-up is
saved with the answers' protocol: compare-and-swap, an identical retry never 409, 409 stale / closed.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.interviews import prompts
from tests import factories

pytestmark = pytest.mark.anyio


@pytest.fixture
async def ladder_format(db: async_sessionmaker[AsyncSession]) -> Any:
    return await factories.ladder_format(db)


def body(base: int, save_id: str, text: str) -> dict[str, object]:
    return {"base_revision": base, "save_id": save_id, "text": text}


async def test_a_follow_up_shows_on_the_attempt_page_and_its_answer_autosaves(
    ladder_format: Any, db: async_sessionmaker[AsyncSession], as_role: Any, users: Any
) -> None:
    cand = await as_role("candidate")
    mentor, _ = await users.create(roles=["mentor"])
    attempt = await factories.start_attempt(cand, ladder_format.id)
    aid, iid = attempt["id"], attempt["items"][0]["id"]
    fu = await factories.give_prompt(db, aid, iid, "follow_up", 0, by=mentor.id)
    hint = await factories.give_prompt(db, aid, iid, "hint", 1, by=mentor.id)
    typed = await factories.give_prompt(
        db, aid, iid, "follow_up", None, "Why not a line search?", by=mentor.id
    )

    page = (await cand.get(f"/attempts/{aid}")).text
    assert (
        page.index(f'id="prompt-{fu}"')
        < page.index(f'id="prompt-{hint}"')
        < page.index(f'id="prompt-{typed}"')
    )
    assert f'data-prompts-for="{iid}"' in page and "js/live_prompts.js" in page
    assert "Why not a line search?" in page and "<math" in page  # the hint's formula, rendered
    one = await cand.get(f"/attempts/{aid}/prompts/{fu}")
    assert one.status_code == 200 and one.text.lstrip().startswith("<article")
    assert f'action="/attempts/{aid}/prompts/{fu}/answer"' in one.text and 'data-revision="0"' in one.text
    assert "answer-form" not in (await cand.get(f"/attempts/{aid}/prompts/{hint}")).text  # nothing to answer

    url = f"/attempts/{aid}/prompts/{fu}/answer"
    r = await cand.post(url, json=body(0, "a", "L = 2"))
    assert r.status_code == 200 and r.json()["status"] == "saved" and r.json()["revision"] == 1
    r = await cand.post(url, json=body(0, "a", "L = 2"))  # the identical retry of a lost reply
    assert r.status_code == 200 and r.json()["revision"] == 1
    r = await cand.post(url, json=body(1, "b", "L = 2, so eta < 1"))  # another tab
    assert r.json()["revision"] == 2
    r = await cand.post(url, json=body(0, "a", "L = 2"))  # the first save's retry, after that
    assert r.status_code == 200 and r.json()["revision"] == 1
    r = await cand.post(url, json=body(1, "c", "an older tab"))
    assert r.status_code == 409 and r.json()["reason"] == "stale"
    assert r.json()["revision"] == 2 and r.json()["value"] == {"text": "L = 2, so eta < 1"}
    r = await cand.post(url, data={**body(2, "d", "from the beacon"), "csrf_token": cand.csrf})
    assert r.status_code == 200 and r.json()["revision"] == 3
    assert (await cand.post(url, json=body(3, "e", "x" * 20_001))).status_code == 413
    r = await cand.post(f"/attempts/{aid}/prompts/{hint}/answer", json=body(0, "f", "a hint has no answer"))
    assert r.status_code == 404

    page = (await cand.get(f"/attempts/{aid}")).text
    assert "from the beacon</textarea>" in page and 'data-revision="3"' in page

    other = await as_role("candidate")
    assert (await other.post(url, json=body(3, "g", "not mine"))).status_code == 404
    assert (await other.get(f"/attempts/{aid}/prompts/{fu}")).status_code == 404

    assert (await cand.post(f"/api/v1/attempts/{aid}/submit")).status_code == 200
    r = await cand.post(url, json=body(3, "h", "after submit"))
    assert r.status_code == 409 and r.json()["reason"] == "closed"


async def test_a_scripted_prompt_is_given_once_and_a_retried_send_is_recognised(
    ladder_format: Any, db: async_sessionmaker[AsyncSession], as_role: Any, users: Any
) -> None:
    cand = await as_role("candidate")
    mentor, _ = await users.create(roles=["mentor"])
    attempt = await factories.start_attempt(cand, ladder_format.id)
    aid, iid = attempt["id"], attempt["items"][0]["id"]
    first = await factories.give_prompt(db, aid, iid, "hint", 0, by=mentor.id)
    assert await factories.give_prompt(db, aid, iid, "hint", 0, by=mentor.id) == first  # a second click
    typed = await factories.give_prompt(db, aid, iid, "follow_up", None, "Why?", by=mentor.id, send_id="s1")
    assert (
        await factories.give_prompt(db, aid, iid, "follow_up", None, "Why?", by=mentor.id, send_id="s1")
        == typed
    )
    async with db() as s:
        assert len(await prompts.prompts_of(s, uuid.UUID(aid))) == 2
