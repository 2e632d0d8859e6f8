"""After a live interview (issue 20) the review page opens with everything logged: the follow-ups
and hints given with their times, the candidate's answers to the follow-ups, and the interviewer's
notes, which prefill a draft never saved (and never overwrite one that was)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.interviews.text_save import TextIn
from app.reviews import interviewer_notes
from tests import factories

pytestmark = pytest.mark.anyio
SCRIPT = {"Accept": "application/json"}


async def write_notes(
    db: async_sessionmaker[AsyncSession], attempt_id: str, mentor_id: uuid.UUID, text: str
) -> None:
    async with db() as s:
        got = await interviewer_notes.notes_of(s, uuid.UUID(attempt_id), mentor_id)
        base = got.revision if got else 0
        save = TextIn(base_revision=base, save_id=uuid.uuid4().hex, text=text)
        await interviewer_notes.save(s, attempt_id=uuid.UUID(attempt_id), mentor_id=mentor_id, save=save)
        await s.commit()


async def test_the_review_page_shows_the_live_log_and_the_notes_prefill_the_draft(
    db: async_sessionmaker[AsyncSession], as_role: Any
) -> None:
    fmt = await factories.ladder_format(db)
    cand = await as_role("candidate")
    mentor = await as_role("mentor")
    attempt = await factories.start_attempt(cand, fmt.id)
    aid, iid = attempt["id"], attempt["items"][0]["id"]
    hint = await factories.give_prompt(db, aid, iid, "hint", 1, by=mentor.user.id)
    fu = await factories.give_prompt(db, aid, iid, "follow_up", 0, by=mentor.user.id)
    await factories.give_prompt(db, aid, iid, "follow_up", None, "Would Adam help here?", by=mentor.user.id)
    r = await cand.post(
        f"/attempts/{aid}/prompts/{fu}/answer", json={"base_revision": 0, "save_id": "a", "text": "L is 2."}
    )
    assert r.status_code == 200
    await write_notes(db, aid, mentor.user.id, "Needed the hint on |1 - 2 eta|; solid after that.")
    assert (await cand.post(f"/api/v1/attempts/{aid}/submit")).status_code == 200

    review = await factories.claim_review(mentor)
    rid = review["id"]
    page = (await mentor.get(f"/reviews/{rid}")).text
    assert "Your notes from the live interview" in page
    # the notes prefill the private note; the hint given and the scripted follow-up asked are ticked
    assert ">Needed the hint on |1 - 2 eta|; solid after that.</textarea>" in page
    p = f"i-{iid}-"
    assert f'id="{p}hint-1" name="{p}hint" value="1" checked' in page
    assert f'id="{p}hint-0" name="{p}hint" value="0">' in page
    assert f'id="{p}fu-0" name="{p}fu" value="0" checked' in page
    # the log: each prompt with its time, the typed follow-up, the answer
    log = page[page.index("Live interview: follow-ups and hints") :]
    assert log.index(f'data-prompt-id="{hint}"') < log.index(f'data-prompt-id="{fu}"')
    assert "Would Adam help here?" in log and "(typed)" in log and "into the interview" in log
    assert ">L is 2.</pre>" in log and "Not answered." in log

    # once the draft is saved, it is what the page shows: later notes never overwrite it
    form = {"private_note": ["My own words."], f"{p}hint": ["1"]}
    r = await mentor.post(
        f"/reviews/{rid}/draft", json={"base_revision": 0, "save_id": "d1", "form": form}, headers=SCRIPT
    )
    assert r.status_code == 200, r.text
    await write_notes(db, aid, mentor.user.id, "Changed my mind.")
    page = (await mentor.get(f"/reviews/{rid}")).text
    assert ">My own words.</textarea>" in page and "Changed my mind.</pre>" in page
    assert f'id="{p}fu-0" name="{p}fu" value="0">' in page  # as saved: not ticked again
