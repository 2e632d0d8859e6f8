"""An annotation added (or deleted) in one tab while the review is being submitted in another: the
review's status was read without a lock, so the annotation could land just after the submit had
committed — a change to a review the candidate may already be reading. The change now holds the
review row: it waits for a submit in flight and then refuses with 409, leaving nothing behind.

The submit in flight is played by a transaction that has moved the review to `submitted` and not
committed yet (a real submit is over too quickly to be caught in the middle)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from app.interviews import formats
from tests.factories import claim_review
from tests.live import LiveDb
from tests.reviews.conftest import format_doc, take_interview

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
HTMX = {"HX-Request": "true"}


async def test_an_annotation_racing_the_submit_is_refused_and_not_kept(live: LiveDb) -> None:
    async with live.maker() as s:
        fmt = await formats.save_format(s, format_doc(title=f"Race {uuid.uuid4().hex[:6]}"), admin=None)
        await s.commit()
    application = live.app()
    cand_user, _ = await live.users.create()
    mentor_user, _ = await live.users.create(roles=["candidate", "mentor"])
    candidate = await live.client(application, cand_user.email)
    mentor = await live.client(application, mentor_user.email)
    try:
        await take_interview(candidate, fmt.id)
        review = await claim_review(mentor)
        item = next(i for i in review["items"] if i["kind"] == "free_text")
        url = f"/reviews/{review['id']}/items/{item['id']}/annotations"
        kept = await mentor.post(url, data={"quote": "diverges", "comment": "Say why."}, headers=HTMX)
        assert kept.status_code == 200, kept.text
        async with live.engine.connect() as conn:
            note_id = (
                await conn.execute(
                    text("SELECT id FROM review_annotation WHERE review_id = :r"), {"r": review["id"]}
                )
            ).scalar_one()
        async with live.engine.connect() as held:
            # the submit in flight: the review is `submitted` in a transaction not yet committed
            await held.execute(
                text("UPDATE review SET status = 'submitted' WHERE id = :r"), {"r": review["id"]}
            )
            add = asyncio.create_task(
                mentor.post(url, data={"quote": "large step", "comment": "Too late?"}, headers=HTMX)
            )
            delete = asyncio.create_task(
                mentor.post(f"/reviews/{review['id']}/annotations/{note_id}/delete", headers=HTMX)
            )
            await asyncio.wait({add, delete}, timeout=0.5)  # on main both are done by now
            await held.commit()
        added, deleted = await add, await delete
        assert added.status_code == 409 and deleted.status_code == 409, (
            added.text[-300:],
            deleted.text[-300:],
        )
        async with live.engine.connect() as conn:
            quotes = (
                (
                    await conn.execute(
                        text("SELECT quote FROM review_annotation WHERE review_id = :r"), {"r": review["id"]}
                    )
                )
                .scalars()
                .all()
            )
        assert quotes == ["diverges"]  # the one made while the review was open, nothing else
    finally:
        await mentor.aclose()
        await candidate.aclose()
        await application.state.resources.engine.dispose()
