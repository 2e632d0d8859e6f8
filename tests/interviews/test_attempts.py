"""Starting attempts: the draw, pinned versions, the deadline, one in progress, attempts allowed, extension."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.auth.models import AuditEvent, User
from app.interviews import formats
from app.interviews.models import Attempt, AttemptItem
from app.kit import clock
from app.questions.models import Question, QuestionVersion
from app.questions.service import add_version
from tests.interviews.conftest import TOPIC, bank_docs, start

pytestmark = pytest.mark.anyio


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_start_draws_pins_and_sets_the_deadline(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(slots=[{"topic": TOPIC, "count": 8}])
    a = await start(c, fmt.id)
    assert a["state"] == "in_progress" and len(a["items"]) == 8
    assert ts(a["deadline_at"]) - ts(a["started_at"]) == timedelta(minutes=10)
    async with db() as s:
        attempt = await s.get(Attempt, a["id"])
        assert attempt is not None
        stmt = select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
        items = (await s.execute(stmt)).scalars().all()
        assert len({i.question_id for i in items}) == 8  # no question twice
        # the same seed draws the same questions: the draw is reproducible
        again = await formats.draw_versions(s, formats.slots_of(fmt), attempt.seed)
        assert [v for _, _, v in again] == [i.version_id for i in sorted(items, key=lambda i: i.position)]


async def test_a_later_edit_does_not_change_a_pinned_version(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    a = await start(c, (await make_format()).id)
    item = next(i for i in a["items"] if i["kind"] == "single_choice")
    async with db() as s:
        pinned = (await s.get(AttemptItem, item["id"])).version_id  # type: ignore[union-attr]
        version = await s.get(QuestionVersion, pinned)
        question = await s.get(Question, version.question_id)  # type: ignore[union-attr]
        doc = next(d for d in bank_docs() if d.title == version.title)  # type: ignore[union-attr]
        await add_version(s, question, doc.model_copy(update={"title": "Edited later"}), author_id=None)  # type: ignore[arg-type]
        await s.commit()
    got = (await c.get(f"/api/v1/attempts/{a['id']}")).json()
    assert next(i for i in got["items"] if i["id"] == item["id"])["title"] == item["title"]


async def test_time_factor_scales_the_deadline(users, make_client, make_format, db) -> None:  # type: ignore[no-untyped-def]
    user, password = await users.create()
    async with db() as s:
        await s.execute(update(User).where(User.id == user.id).values(time_factor=Decimal("1.50")))
        await s.commit()
    c = await make_client()
    await c.login(user.email, password)
    a = await start(c, (await make_format()).id)
    assert ts(a["deadline_at"]) - ts(a["started_at"]) == timedelta(minutes=15)
    assert 899 < a["remaining_seconds"] <= 900


async def test_one_in_progress_per_format_and_attempts_allowed(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(attempts_allowed=2)
    a1 = await start(c, fmt.id)
    assert (await start(c, fmt.id))["id"] == a1["id"]  # starting again resumes the open attempt
    await c.post(f"/api/v1/attempts/{a1['id']}/submit")
    a2 = await start(c, fmt.id)
    assert a2["id"] != a1["id"]
    await c.post(f"/api/v1/attempts/{a2['id']}/submit")
    r = await c.post(f"/api/v1/formats/{fmt.id}/attempts")
    assert r.status_code == 409 and "all 2 attempt" in r.json()["error"]
    listed = (await c.get("/api/v1/attempts")).json()
    assert {x["id"] for x in listed} == {a1["id"], a2["id"]}


async def test_partial_unique_index_allows_one_open_attempt(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    c = await as_role("candidate")
    fmt = await make_format()
    a = await start(c, fmt.id)
    async with db() as s:
        attempt = await s.get(Attempt, a["id"])
        clone = Attempt(
            format_id=fmt.id,
            user_id=attempt.user_id,  # type: ignore[union-attr]
            state="in_progress",
            seed=1,
            started_at=clock.now(),
            deadline_at=clock.now(),
            expiry_mode="autosubmit",
            navigation="free",
        )
        s.add(clone)
        with pytest.raises(IntegrityError):
            await s.flush()


async def test_refused_when_the_bank_cannot_fill_a_slot(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(slots=[{"topic": TOPIC, "count": 2, "kinds": ["numeric"]}])
    async with db() as s:  # a question is retired after the format was published
        await s.execute(
            update(Question).where(Question.external_id == "t-numeric-1").values(status="retired")
        )
        await s.commit()
    r = await c.post(f"/api/v1/formats/{fmt.id}/attempts")
    assert r.status_code == 409
    assert "cannot fill slot 1" in r.json()["error"] and "only 1 are available" in r.json()["error"]
    page = await c.post(f"/interviews/{fmt.id}/start")
    assert page.status_code == 409 and "cannot fill slot 1" in page.text


async def test_unpublished_formats_cannot_be_started(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format(status="draft")
    assert (await c.post(f"/api/v1/formats/{fmt.id}/attempts")).status_code == 404
    assert (await c.post(f"/api/v1/formats/{uuid.uuid4()}/attempts")).status_code == 404


async def test_admin_extends_a_running_attempt(as_role, make_format, db) -> None:  # type: ignore[no-untyped-def]
    c = await as_role("candidate")
    fmt = await make_format()
    a = await start(c, fmt.id)
    admin = await as_role("admin")
    page = await admin.get(f"/admin/formats/{fmt.id}")
    assert f"/admin/attempts/{a['id']}/extend" in page.text
    r = await admin.post(f"/admin/attempts/{a['id']}/extend", data={"minutes": "5"})
    assert r.status_code == 303
    got = (await c.get(f"/api/v1/attempts/{a['id']}")).json()
    assert ts(got["deadline_at"]) - ts(a["deadline_at"]) == timedelta(minutes=5)
    async with db() as s:
        event = (
            await s.execute(select(AuditEvent).where(AuditEvent.event == "attempt_extended"))
        ).scalar_one()
        assert event.actor_id == admin.user.id and event.detail["minutes"] == 5
    assert (await c.post(f"/admin/attempts/{a['id']}/extend", data={"minutes": "5"})).status_code == 403
    await c.post(f"/api/v1/attempts/{a['id']}/submit")
    assert (await admin.post(f"/admin/attempts/{a['id']}/extend", data={"minutes": "5"})).status_code == 409


async def test_the_same_extension_form_sent_twice_extends_once(as_role, make_format) -> None:  # type: ignore[no-untyped-def]
    """A double click on "Extend", or a second admin's tab loaded before the first extension, sends
    the form the page showed (its `seen` extension): the second post added the minutes again. It is
    a 409 with a message now, and the deadline moved once; a fresh form extends again."""
    c = await as_role("candidate")
    fmt = await make_format()
    a = await start(c, fmt.id)
    admin = await as_role("admin")
    page = (await admin.get(f"/admin/formats/{fmt.id}")).text
    assert 'name="seen" value="0"' in page
    url = f"/admin/attempts/{a['id']}/extend"
    assert (await admin.post(url, data={"minutes": "5", "seen": "0"})).status_code == 303
    again = await admin.post(url, data={"minutes": "5", "seen": "0"})
    assert again.status_code == 409 and "extended meanwhile" in again.text
    got = (await c.get(f"/api/v1/attempts/{a['id']}")).json()
    assert ts(got["deadline_at"]) - ts(a["deadline_at"]) == timedelta(minutes=5)
    page = (await admin.get(f"/admin/formats/{fmt.id}")).text
    assert 'name="seen" value="300"' in page
    assert (await admin.post(url, data={"minutes": "5", "seen": "300"})).status_code == 303
    got = (await c.get(f"/api/v1/attempts/{a['id']}")).json()
    assert ts(got["deadline_at"]) - ts(a["deadline_at"]) == timedelta(minutes=10)
