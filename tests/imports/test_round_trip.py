"""The whole seed bank through each format: a lossy format never changes what it cannot carry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from app.db import make_engine, make_sessionmaker
from app.imports import gift, moodle_xml
from app.imports.export import export_bank
from app.imports.service import ImportOptions, import_file
from app.questions.models import Question, QuestionVersion
from app.questions.seeding import load_seed

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # whole seed bank through every format
FORMATS = ["gift", "moodle-xml", "json"]
PARSERS = {"gift": gift.parse, "moodle-xml": moodle_xml.parse}


async def _snapshot(db) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every question's status and current version, by external id."""
    async with db() as s:
        rows = (
            await s.execute(
                select(Question, QuestionVersion).join(
                    QuestionVersion, QuestionVersion.id == Question.current_version_id
                )
            )
        ).all()
    out = {}
    for q, v in rows:
        out[q.external_id] = {
            "status": q.status,
            "versions": q.version_count,
            "topic": q.topic_id,
            **{
                c: getattr(v, c)
                for c in (
                    "title",
                    "kind",
                    "prompt",
                    "reference_answer",
                    "data",
                    "rubric",
                    "follow_ups",
                    "hints",
                    "difficulty",
                    "estimated_minutes",
                    "tags",
                    "provenance",
                )
            },
        }
    return out


async def _seeded(db) -> None:  # type: ignore[no-untyped-def]
    async with db() as s:
        await load_seed(s)
        await s.commit()


@pytest.mark.parametrize("fmt", FORMATS)
async def test_seed_bank_reimported_unchanged_in_every_format(as_role, db, fmt: str) -> None:  # type: ignore[no-untyped-def]
    await _seeded(db)
    admin = await as_role("admin")
    before = await _snapshot(db)
    assert sum(1 for v in before.values() if v["rubric"]["criteria"]) > 10  # a bank worth protecting
    exported = (await admin.get(f"/api/v1/exports?format={fmt}")).content
    dry = (await admin.post(f"/api/v1/imports?format={fmt}&dry_run=true", content=exported)).json()
    assert dry["ok"], dry["problems"][:3] or [q["problems"] for q in dry["questions"] if q["problems"]][:3]
    changed = [(q["title"], q["changes"]) for q in dry["questions"] if q["action"] != "unchanged"]
    assert changed == []
    r = await admin.post(f"/api/v1/imports?format={fmt}", content=exported)
    assert r.status_code == 200 and r.json()["counts"]["unchanged"] == len(before), r.text[:300]
    assert await _snapshot(db) == before  # 0 new versions, every field intact, statuses too


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
async def test_a_changed_prompt_keeps_every_field_the_format_cannot_carry(as_role, db, fmt: str) -> None:  # type: ignore[no-untyped-def]
    await _seeded(db)
    admin = await as_role("admin")
    before = await _snapshot(db)
    ext, old = next((e, v) for e, v in sorted(before.items()) if v["rubric"]["criteria"] and v["follow_ups"])
    exported = (await admin.get(f"/api/v1/exports?format={fmt}")).text
    assert exported.count(old["title"]) >= 1
    edited = exported.replace(old["title"], old["title"] + " (revised)", 1)
    dry = (await admin.post(f"/api/v1/imports?format={fmt}&dry_run=true", content=edited.encode())).json()
    rows = [q for q in dry["questions"] if q["action"] != "unchanged"]
    assert [(q["action"], q["changes"]) for q in rows] == [("new version", ["title"])]
    r = await admin.post(f"/api/v1/imports?format={fmt}", content=edited.encode())
    assert r.json()["counts"]["new version"] == 1
    after = await _snapshot(db)
    new = after[ext]
    assert new["title"] == old["title"] + " (revised)" and new["versions"] == old["versions"] + 1
    for field in ("rubric", "follow_ups", "hints", "difficulty", "estimated_minutes", "provenance", "status"):
        assert new[field] == old[field], field
    assert {e: v for e, v in after.items() if e != ext} == {e: v for e, v in before.items() if e != ext}


def _carried(fmt: str, content: str) -> list[tuple[str, str, dict[str, Any]]]:
    items = PARSERS[fmt](content).items
    assert all(i.doc is not None and not i.problems for i in items)
    carried = [
        (i.category.area, i.category.topic, i.doc.model_dump(exclude={"topic"}))  # type: ignore[union-attr]
        for i in items
        if i.category is not None
    ]
    return sorted(carried, key=lambda t: json.dumps(t, sort_keys=True))


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
async def test_seed_bank_into_a_fresh_database_is_identical_in_what_the_format_carries(
    as_role, db, make_database, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    await _seeded(db)
    admin = await as_role("admin")
    first = (await admin.get(f"/api/v1/exports?format={fmt}")).text
    engine = make_engine(make_database("mlmock_fresh_roundtrip"), pool_size=1)
    try:
        async with make_sessionmaker(engine)() as s, s.begin():
            preview = await import_file(
                s, first.encode(), ImportOptions(format=fmt), dry_run=False, author_id=None,
                max_bytes=10**7, max_questions=5_000,
            )  # fmt: skip
            assert preview.imported, preview.all_problems[:3]
        async with make_sessionmaker(engine)() as s:
            second = (await export_bank(s, format=fmt)).content
    finally:
        await engine.dispose()
    assert len(_carried(fmt, second)) == len(_carried(fmt, first)) > 100
    assert _carried(fmt, second) == _carried(fmt, first)


async def test_publish_on_unchanged_drafts_publishes_them(as_role, db) -> None:  # type: ignore[no-untyped-def]
    from tests.imports.helpers import GIFT

    admin = await as_role("admin")
    assert (await admin.post("/api/v1/imports?format=gift", content=GIFT)).json()["imported"]
    assert {v["status"] for v in (await _snapshot(db)).values()} == {"draft"}
    r = (await admin.post("/api/v1/imports?format=gift&publish=true", content=GIFT)).json()
    assert r["counts"]["unchanged"] == 12 and r["counts"]["new version"] == 0
    assert all(q["note"].endswith("draft, will be published") for q in r["questions"])
    assert {v["status"] for v in (await _snapshot(db)).values()} == {"published"}
