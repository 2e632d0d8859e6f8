"""Acceptance 1: create → publish → edit makes version 2; version 1 is unchanged and is still
shown from its stored HTML. Versions are never edited in place; history shows a diff."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from app.questions.models import Question, QuestionVersion
from tests.questions.conftest import counts, form_of, make_doc

pytestmark = pytest.mark.anyio


async def _versions(db, qid: str) -> list[QuestionVersion]:  # type: ignore[no-untyped-def]
    async with db() as s:
        stmt = (
            select(QuestionVersion)
            .where(QuestionVersion.question_id == uuid.UUID(qid))
            .order_by(QuestionVersion.number)
        )
        return list((await s.execute(stmt)).scalars())


async def test_create_publish_edit_makes_version_two(as_role, db, topics) -> None:
    admin = await as_role("admin")
    r = await admin.post("/admin/questions", data=form_of(make_doc()))
    assert r.status_code == 303, r.text
    qid = r.headers["location"].rsplit("/", 1)[1]
    page = await admin.get(f"/admin/questions/{qid}")
    assert "draft" in page.text and "<math" in page.text

    r = await admin.post(f"/admin/questions/{qid}/publish")
    assert r.status_code == 303
    edit = await admin.get(f"/admin/questions/{qid}/edit")
    assert 'name="base_version" value="1"' in edit.text
    assert 'value="One step of gradient descent"' in edit.text  # the form is prefilled

    new_doc = make_doc(
        title="One step of gradient descent (revised)",
        prompt="Derive $\\theta_{t+1}$ from a Taylor expansion.",
    )
    r = await admin.post(f"/admin/questions/{qid}", data={**form_of(new_doc), "base_version": "1"})
    assert r.status_code == 303, r.text

    v1, v2 = await _versions(db, qid)
    assert (v1.number, v2.number) == (1, 2)
    assert v1.title == "One step of gradient descent" and "nabla" not in v1.prompt_html
    assert "<math" in v1.prompt_html and "∇" in v1.prompt_html
    assert v2.title.endswith("(revised)")
    async with db() as s:
        q = await s.get(Question, uuid.UUID(qid))
        assert (
            q is not None
            and q.status == "published"
            and q.current_version_id == v2.id
            and q.version_count == 2
        )

    # Version 1 is still readable, from its stored HTML (not re-rendered): mark the stored copy.
    async with db() as s:
        await s.execute(
            text(
                "UPDATE question_version SET prompt_html = prompt_html || '<p>stored-v1-marker</p>' WHERE id = :id"
            ),
            {"id": v1.id},
        )
        await s.commit()
    old = await admin.get(f"/admin/questions/{qid}?v=1")
    assert old.status_code == 200
    assert "stored-v1-marker" in old.text and "an older version" in old.text
    api_old = (await admin.get(f"/api/v1/questions/{qid}?version=1")).json()
    assert api_old["version"] == 1 and "stored-v1-marker" in api_old["prompt_html"]
    current = (await admin.get(f"/api/v1/questions/{qid}")).json()
    assert current["version"] == 2 and current["title"].endswith("(revised)")
    assert [v["number"] for v in current["versions"]] == [2, 1]

    # History: a readable diff between the two versions.
    hist = await admin.get(f"/admin/questions/{qid}/versions?a=1&b=2")
    assert hist.status_code == 200
    assert "<del>" in hist.text and "<ins>" in hist.text
    assert "One step of gradient descent (revised)" in hist.text
    frag = await admin.get(f"/admin/questions/{qid}/versions?a=2&b=1", headers={"HX-Request": "true"})
    assert frag.text.lstrip().startswith('<section id="diff"')


async def test_saving_unchanged_content_adds_no_version(as_role, db, topics) -> None:
    admin = await as_role("admin")
    r = await admin.post("/admin/questions", data=form_of(make_doc()))
    qid = r.headers["location"].rsplit("/", 1)[1]
    r = await admin.post(f"/admin/questions/{qid}", data={**form_of(make_doc()), "base_version": "1"})
    assert r.status_code == 303
    assert len(await _versions(db, qid)) == 1


async def test_stale_base_version_is_a_conflict(as_role, db, topics) -> None:
    admin = await as_role("admin")
    r = await admin.post("/admin/questions", data=form_of(make_doc()))
    qid = r.headers["location"].rsplit("/", 1)[1]
    await admin.post(
        f"/admin/questions/{qid}", data={**form_of(make_doc(title="Second")), "base_version": "1"}
    )
    # a second tab still editing version 1
    r = await admin.post(
        f"/admin/questions/{qid}", data={**form_of(make_doc(title="Third")), "base_version": "1"}
    )
    assert r.status_code == 409
    assert "changed while you edited" in r.text and 'value="Third"' in r.text  # the text is kept
    assert [v.title for v in await _versions(db, qid)] == ["One step of gradient descent", "Second"]
    api = await admin.put(f"/api/v1/questions/{qid}?base_version=1", json=make_doc(title="Fourth"))
    assert api.status_code == 409 and "error" in api.json()


async def test_editing_a_version_in_place_is_refused(as_role, db, topics) -> None:
    admin = await as_role("admin")
    created = (await admin.post("/api/v1/questions", json=make_doc())).json()
    before = await counts(db)
    for method in ("PUT", "PATCH", "DELETE"):
        r = await admin.request(
            method, f"/api/v1/questions/{created['id']}/versions/1", json=make_doc(title="Hacked")
        )
        assert r.status_code == 405
        if method != "DELETE":
            assert "immutable" in r.json()["error"]
    assert await counts(db) == before
    assert [v.title for v in await _versions(db, created["id"])] == ["One step of gradient descent"]
    # the API's update makes version 2 and keeps version 1
    r = await admin.put(f"/api/v1/questions/{created['id']}", json=make_doc(title="Edited through the API"))
    assert r.status_code == 200 and r.json()["version"] == 2
    assert [v.title for v in await _versions(db, created["id"])] == [
        "One step of gradient descent",
        "Edited through the API",
    ]


async def test_old_versions_stay_identical_after_edits(as_role, db, topics) -> None:
    """Every edit path goes through add_version: the stored row of v1 keeps its hash and HTML."""
    admin = await as_role("admin")
    created = (await admin.post("/api/v1/questions", json=make_doc())).json()
    (v1,) = await _versions(db, created["id"])
    for i in range(3):
        await admin.put(f"/api/v1/questions/{created['id']}", json=make_doc(title=f"Edit {i}"))
    versions = await _versions(db, created["id"])
    assert [v.number for v in versions] == [1, 2, 3, 4]
    assert (versions[0].content_hash, versions[0].prompt_html, versions[0].title) == (
        v1.content_hash,
        v1.prompt_html,
        v1.title,
    )
