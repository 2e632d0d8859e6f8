"""A practice self-score is a prediction made before the reveal: it cannot be changed after it.

Posting the self-score form again (a second tab, the back button, a replayed request) used to
overwrite the levels after the reference answer and the key points had been shown, so the
calibration gap measured hindsight. A repeat of the same levels (a double click) is answered as
the first was; other levels get 409 and the stored prediction stays.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from app.practice.models import PracticeAnswer
from app.questions.models import Question
from tests.live import LiveDb
from tests.practice.test_practice import HX, _version_id
from tests.reviews.conftest import build_bank

pytestmark = pytest.mark.anyio


async def _answered(cand, qid) -> str:  # type: ignore[no-untyped-def]
    vid = await _version_id(cand, qid)
    r = await cand.post(
        f"/practice/{qid}", data={"version_id": vid, "text": "Big steps diverge."}, headers=HX
    )
    assert r.status_code == 200 and "Score yourself" in r.text
    action = re.search(r'action="(/practice/answers/[0-9a-f-]+/self-score)"', r.text)
    assert action
    return action.group(1)


async def _stored(db) -> list[list[int] | None]:  # type: ignore[no-untyped-def]
    async with db() as s:
        return list((await s.execute(select(PracticeAnswer.self_levels))).scalars())


async def test_a_self_score_cannot_be_changed_after_the_reveal(ids, as_role, db) -> None:  # type: ignore[no-untyped-def]
    cand = await as_role("candidate")
    action = await _answered(cand, ids["rv-text"])
    first = await cand.post(action, data={"level-0": "0", "level-1": "1"}, headers=HX)
    assert first.status_code == 200 and "it converges" in first.text  # revealed
    again = await cand.post(action, data={"level-0": "0", "level-1": "1"}, headers=HX)
    assert again.status_code == 200 and "it converges" in again.text  # the same levels: a repeat
    hindsight = await cand.post(action, data={"level-0": "2", "level-1": "3"}, headers=HX)
    assert hindsight.status_code == 409 and "already" in hindsight.text
    assert await _stored(db) == [[0, 1]]


@pytest.fixture
async def live(make_database) -> AsyncIterator[LiveDb]:  # type: ignore[no-untyped-def]
    db = LiveDb(make_database("mlmock_self_score"), app_pool_size=3)
    yield db
    await db.close()


@pytest.mark.slow  # two real connections
async def test_two_tabs_scoring_at_once_keep_one_prediction(live: LiveDb) -> None:
    async with live.maker() as s:
        await build_bank(s)
        await s.commit()
        qid = (await s.execute(select(Question.id).where(Question.external_id == "rv-text"))).scalar_one()
    user, _ = await live.users.create(roles=["candidate"])
    application = live.app()
    cand = await live.client(application, user.email)
    try:
        action = await _answered(cand, qid)
        low, high = await asyncio.gather(
            cand.post(action, data={"level-0": "0", "level-1": "0"}, headers=HX),
            cand.post(action, data={"level-0": "2", "level-1": "3"}, headers=HX),
        )
        assert sorted([low.status_code, high.status_code]) == [200, 409], (low.text[:200], high.text[:200])
        kept = [0, 0] if low.status_code == 200 else [2, 3]
        assert await _stored(live.maker) == [kept]
    finally:
        await cand.aclose()
        await application.state.resources.engine.dispose()
