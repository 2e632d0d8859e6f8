"""The autosave protocol through HTTP: revisions, deadline, submit, ownership, size, ignored fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.interviews.models import Answer, AnswerRevision, AttemptItem
from app.kit import clock
from tests.interviews.conftest import answer_for, saving, start

pytestmark = pytest.mark.anyio


def url(a: dict[str, Any], item: dict[str, Any], api: bool = False) -> str:
    return f"{'/api/v1' if api else ''}/attempts/{a['id']}/items/{item['id']}/answer"


def by_kind(a: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(i for i in a["items"] if i["kind"] == kind)


async def stored(db, item_id: str) -> Answer | None:  # type: ignore[no-untyped-def]
    async with db() as s:
        return (await s.execute(select(Answer).where(Answer.item_id == item_id))).scalar_one_or_none()


async def test_compare_and_swap_retries_and_stale_saves(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    text_item = by_kind(a, "free_text")
    first = {**saving(0, "s-1"), "text": "first"}
    r = await c.post(url(a, text_item), json=first)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["status"] == "saved" and body["revision"] == 1 and body["saved_at"] and body["save_id"] == "s-1"
    )
    assert 590 < body["remaining_seconds"] <= 600 and body["phase"] == "open" and body["deadline_at"]
    second = {**saving(1, "s-2"), "text": "second"}
    r = await c.post(url(a, text_item), json=second)
    assert r.json()["status"] == "saved" and r.json()["revision"] == 2
    # an identical retry (same save id) gets the same answer, even after newer saves
    r = await c.post(url(a, text_item), json=first)
    assert r.status_code == 200 and r.json()["revision"] == 1 and r.json()["status"] == "saved"
    r = await c.post(url(a, text_item), json=second)
    assert r.status_code == 200 and r.json()["revision"] == 2
    # the stored content again under another save id: nothing to write
    r = await c.post(url(a, text_item), json={**saving(2), "text": "second"})
    assert r.status_code == 200 and r.json()["status"] == "unchanged" and r.json()["revision"] == 2
    # based on an older revision (another tab): 409 with the stored answer, never overwrites
    r = await c.post(url(a, text_item), json={**saving(1), "text": "stale tab"})
    assert r.status_code == 409 and r.json()["reason"] == "stale", r.text
    assert (
        r.json()["revision"] == 2 and r.json()["value"] == {"text": "second"} and r.json()["save_id"] == "s-2"
    )
    assert r.json()["saved_at"]
    # a base from the future is stale too
    r = await c.post(url(a, text_item), json={**saving(7), "text": "invented"})
    assert r.status_code == 409 and r.json()["reason"] == "stale"
    # keeping mine after a conflict is an explicit save on top of the stored revision
    r = await c.post(url(a, text_item), json={**saving(2), "text": "mine, on purpose"})
    assert r.status_code == 200 and r.json()["revision"] == 3
    ans = await stored(db, text_item["id"])
    assert ans is not None and ans.revision == 3 and ans.value == {"text": "mine, on purpose"}
    # every acknowledged save stays retrievable, each based on the one before
    async with db() as s:
        log = (
            await s.execute(
                select(AnswerRevision.revision, AnswerRevision.base_revision, AnswerRevision.value)
                .where(AnswerRevision.item_id == text_item["id"])
                .order_by(AnswerRevision.revision)
            )
        ).all()
    assert [tuple(r) for r in log] == [
        (1, 0, {"text": "first"}),
        (2, 1, {"text": "second"}),
        (3, 2, {"text": "mine, on purpose"}),
    ]
    # resume: the API and the page show the stored revision and the save that stored it
    got = by_kind((await c.get(f"/api/v1/attempts/{a['id']}")).json(), "free_text")
    assert got["answer"] == {"text": "mine, on purpose"} and got["revision"] == 3
    page = await c.get(f"/attempts/{a['id']}")
    assert page.status_code == 200 and "mine, on purpose</textarea>" in page.text
    assert 'data-revision="3"' in page.text and f'data-save-id="{got["save_id"]}"' in page.text


async def test_the_old_client_counted_revision_is_refused(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = by_kind(a, "free_text")
    r = await c.post(url(a, item), json={"revision": 5, "text": "old protocol"})
    assert r.status_code == 422
    assert await stored(db, item["id"]) is None


async def test_every_kind_by_form_and_json_and_api(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    for item in a["items"]:
        r = await c.post(url(a, item, api=True), json={**saving(0), **answer_for(item)})
        assert r.status_code == 200, (item["kind"], r.text)
    multi = by_kind(a, "multiple_choice")
    r = await c.post(url(a, multi), data={"base_revision": "1", "save_id": "form-1", "choices": ["2", "0"]})
    assert r.status_code == 200, r.text
    assert (await stored(db, multi["id"])).value == {"choices": [0, 2]}  # type: ignore[union-attr]
    numeric = by_kind(a, "numeric")
    # a value that does not fit the question's kind is refused
    r = await c.post(url(a, numeric), json={**saving(4), "text": "words"})
    assert r.status_code == 422
    r = await c.post(url(a, numeric), json={"revision": 5})
    assert r.status_code == 422


async def test_posted_score_state_deadline_are_ignored(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = by_kind(a, "numeric")
    r = await c.post(
        url(a, item),
        json={
            **saving(0),
            "number": "0.5",
            "score": 100,
            "state": "submitted",
            "deadline_at": "2099-01-01T00:00:00Z",
            "item_id": "x",
        },
    )
    assert r.status_code == 200
    assert (await stored(db, item["id"])).value == {"number": "0.5"}  # type: ignore[union-attr]
    got = (await c.get(f"/api/v1/attempts/{a['id']}")).json()
    assert got["state"] == "in_progress" and got["deadline_at"] == a["deadline_at"]
    async with db() as s:
        row = await s.get(AttemptItem, item["id"])
        assert row is not None and row.score is None


async def test_after_the_deadline_nothing_is_stored(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format(expiry_mode="grace", grace_seconds=60)).id)
    item = by_kind(a, "free_text")
    assert (await c.post(url(a, item), json={**saving(0), "text": "in time"})).status_code == 200
    clock.advance(timedelta(minutes=10, seconds=-1))
    assert (await c.post(url(a, item), json={**saving(1), "text": "last second"})).status_code == 200
    clock.advance(timedelta(seconds=1))  # at the deadline: grace allows submit only
    r = await c.post(url(a, item), json={**saving(2), "text": "too late"})
    assert r.status_code == 409 and r.json()["reason"] == "closed"
    clock.advance(timedelta(seconds=61))  # after deadline + grace
    r = await c.post(url(a, item), json={**saving(3), "text": "much too late"})
    assert r.status_code == 409
    assert (await stored(db, item["id"])).value == {"text": "last second"}  # type: ignore[union-attr]


async def test_after_submit_nothing_is_stored(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = by_kind(a, "free_text")
    await c.post(url(a, item), json={**saving(0), "text": "final"})
    assert (await c.post(f"/api/v1/attempts/{a['id']}/submit")).status_code == 200
    r = await c.post(url(a, item), json={**saving(1), "text": "after submit"})
    assert r.status_code == 409
    assert (await stored(db, item["id"])).value == {"text": "final"}  # type: ignore[union-attr]


async def test_other_users_attempt_is_not_found(as_role, make_format, client, db) -> None:  # type: ignore[no-untyped-def]
    owner = await as_role("candidate")
    a = await start(owner, (await make_format()).id)
    item = by_kind(a, "free_text")
    other = await as_role("candidate")
    r = await other.post(url(a, item), json={**saving(0), "text": "not mine"})
    assert r.status_code == 404
    assert (await other.get(f"/attempts/{a['id']}")).status_code == 404
    assert (await other.get(f"/api/v1/attempts/{a['id']}/result")).status_code == 404
    assert (await other.post(f"/api/v1/attempts/{a['id']}/submit")).status_code == 404
    # an admin is not the owner either
    admin = await as_role("admin")
    assert (await admin.post(url(a, item), json={**saving(0), "text": "x"})).status_code == 404
    # anonymous: sign in first
    await client.get("/login")
    assert (await client.post(url(a, item, api=True), json={**saving(0), "text": "x"})).status_code == 401
    assert await stored(db, item["id"]) is None


async def test_csrf_and_bearer_token(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = by_kind(a, "free_text")
    r = await c.post(url(a, item), json={**saving(0), "text": "x"}, csrf=False)
    assert r.status_code == 403
    r = await c.post("/account/tokens", data={"name": "reader"})
    reader = r.text.split('class="token">')[1].split("<")[0]
    r = await c.post("/account/tokens", data={"name": "script", "scopes": "write", "expires_in_days": "7"})
    token = r.text.split('class="token">')[1].split("<")[0]
    c.cookies.clear()
    # a read-only token cannot save an answer
    r = await c.post(
        url(a, item, api=True),
        json={**saving(0), "text": "x"},
        headers={"Authorization": f"Bearer {reader}"},
    )
    assert r.status_code == 401 and "write scope" in r.json()["error"]
    r = await c.post(
        url(a, item, api=True),
        json={**saving(0), "text": "from a script"},
        headers={"Authorization": f"Bearer {token}"},
        csrf=False,
    )
    assert r.status_code == 200, r.text
    r = await c.post(
        url(a, item, api=True), json={**saving(2), "text": "x"}, headers={"Authorization": "Bearer nope"}
    )
    assert r.status_code == 401
    # an expired token is refused as unauthenticated (before the attempt's own deadline is looked at)
    clock.advance(timedelta(days=8))
    r = await c.post(
        url(a, item, api=True),
        json={**saving(1), "text": "late"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 401 and "expired" in r.json()["error"]


async def test_oversized_answer_is_refused(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = by_kind(a, "free_text")
    r = await c.post(url(a, item), json={**saving(0), "text": "x" * 50_001})
    assert r.status_code == 413
    r = await c.post(url(a, item), json={**saving(0), "text": "x" * 2_000_000})
    assert r.status_code == 413  # over the body limit: refused before parsing
    assert await stored(db, item["id"]) is None


async def test_time_on_question_is_recorded(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = by_kind(a, "free_text")
    for rev, gap in enumerate([0, 30, 45, 300, 10], start=1):
        clock.advance(timedelta(seconds=gap))
        assert (await c.post(url(a, item), json={**saving(rev - 1), "text": f"v{rev}"})).status_code == 200
    async with db() as s:
        row = await s.get(AttemptItem, item["id"])
        assert row is not None
        assert row.time_spent_seconds == pytest.approx(30 + 45 + 120 + 10, abs=0.5)  # the 300 s gap is capped


async def test_linear_navigation_cannot_go_back(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format(navigation="linear")).id)
    first, second = a["items"][0], a["items"][1]
    assert (await c.post(url(a, second), json={**saving(0), **answer_for(second)})).status_code == 409
    assert (await c.post(url(a, first), json={**saving(0), **answer_for(first)})).status_code == 200
    page = await c.get(f"/attempts/{a['id']}")
    assert first["title"] in page.text and second["title"] not in page.text
    r = await c.post(f"/attempts/{a['id']}/next", data={"position": "0"})
    assert r.status_code == 303
    r = await c.post(url(a, first), json={**saving(1), **answer_for(first, 1)})
    assert r.status_code == 409 and r.json()["reason"] == "moved_on"
    assert (await c.post(url(a, second), json={**saving(0), **answer_for(second)})).status_code == 200
    page = await c.get(f"/attempts/{a['id']}")
    assert second["title"] in page.text and first["title"] not in page.text
