"""The parametrised kind: draw → render → grade round trip for every generator; the seed is stored
with the attempt item and the exact numbers reach the results and the mentor's review; native JSON
carries the generator, GIFT/XML say they dropped it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.interviews import formats
from app.interviews.models import AttemptItem
from app.questions import generators
from app.questions.generators.rendered import render
from app.questions.models import Question, QuestionVersion
from app.questions.native import Kind, ParametrisedSpec, QuestionDoc
from app.questions.service import create_question
from tests.factories import seed_topics
from tests.reviews.conftest import bank_docs, claim, complete_draft, format_doc

pytestmark = pytest.mark.anyio
TOPIC = {
    "optimisation": "optimisation/gradient-descent",
    "supervised": "supervised/linear-regression",
    "evaluation": "evaluation/metrics",
    "probability": "probability/estimation",
    "learning-theory": "learning-theory/pac",
    "maths": "maths/calculus",
}


def ext(name: str) -> str:
    return "pm-" + name.replace("_", "-")


def doc_for(gen: generators.Generator, ranges: dict[str, Any] | None = None) -> QuestionDoc:
    return QuestionDoc(
        external_id=ext(gen.name),
        topic=TOPIC[gen.area],
        title=gen.title,
        kind=Kind.parametrised,
        prompt="Work this out by hand; a calculator is fine.",
        parametrised=ParametrisedSpec(generator=gen.name, version=gen.version, ranges=ranges or {}),
        difficulty=2,
    )


@pytest.fixture
async def fmt_id(db: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    async with db() as s:
        await seed_topics(s)
        for gen in generators.catalogue():
            await create_question(s, doc_for(gen), author_id=None, status="published")
        for doc in bank_docs("pm"):
            await create_question(s, doc, author_id=None, status="published")
        slots = [{"external_id": ext(g.name)} for g in generators.catalogue()] + [{"external_id": "pm-text"}]
        fmt = await formats.save_format(
            s,
            format_doc(title="Every generator", slots=slots, time_limit_minutes=120, keys_shown="at_submit"),
            admin=None,
        )
        await s.commit()
        return fmt.id


async def _items(
    db: async_sessionmaker[AsyncSession], attempt_id: str
) -> list[tuple[AttemptItem, QuestionVersion]]:
    async with db() as s:
        rows = await s.execute(
            select(AttemptItem, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.version_id)
            .where(AttemptItem.attempt_id == uuid.UUID(attempt_id))
            .order_by(AttemptItem.position)
        )
        return [(r[0], r[1]) for r in rows.all()]


def _right(spec: dict[str, Any], seed: int) -> list[str]:
    return [str(int(p.value)) if p.choices else p.shown() for p in render(spec, seed).parts]


async def test_draw_render_grade_round_trip_for_every_generator(fmt_id, db, as_role) -> None:  # type: ignore[no-untyped-def]
    cand = await as_role("candidate")
    r = await cand.post(f"/api/v1/formats/{fmt_id}/attempts")
    assert r.status_code == 201, r.text
    attempt = r.json()
    items = await _items(db, attempt["id"])
    param = [(i, v) for i, v in items if i.kind == "parametrised"]
    assert len(param) == len(generators.catalogue()) >= 16
    # a seed per item, stored at the draw, different across items
    assert all(i.seed is not None for i, _ in param) and len({i.seed for i, _ in param}) == len(param)
    page = (await cand.get(f"/attempts/{attempt['id']}")).text
    for item, version in param:
        spec = version.data["parametrised"]
        inst = render(spec, item.seed)
        # the candidate sees this seed's numbers, rendered to MathML like any version
        assert inst.prompt_html in page
        assert version.prompt_html in page
        # the first half of the items answered right, the rest wrong
        right = _right(spec, item.seed)
        answer = right if item.position % 2 == 0 else ["999999"] * len(right)
        body = {"base_revision": 0, "save_id": "s1", "parts": answer}
        saved = await cand.post(f"/attempts/{attempt['id']}/items/{item.id}/answer", json=body)
        assert saved.status_code == 200, saved.text
    submitted = await cand.post(f"/api/v1/attempts/{attempt['id']}/submit")
    assert submitted.status_code == 200, submitted.text

    for item, version in await _items(db, attempt["id"]):
        if item.kind == "parametrised":
            # graded by recomputing from the stored seed
            assert item.score == (1.0 if item.position % 2 == 0 else 0.0), version.title

    results = (await cand.get(f"/attempts/{attempt['id']}/results")).text
    for item, version in param:
        inst = render(version.data["parametrised"], item.seed)
        assert inst.prompt_html in results and inst.solution_html in results

    # the mentor sees the exact numbers the candidate saw, the answers per part and the worked solution
    mentor = await as_role("mentor")
    review = await claim(mentor)
    page = (await mentor.get(f"/reviews/{review['id']}")).text
    for item, version in param:
        inst = render(version.data["parametrised"], item.seed)
        assert inst.prompt_html in page and inst.solution_html in page
    done = await mentor.post(f"/api/v1/reviews/{review['id']}/submit", json=complete_draft(review))
    assert done.status_code == 200, done.text
    assert (await mentor.post(f"/api/v1/reviews/attempts/{attempt['id']}/release")).status_code == 200
    feedback = (await cand.get(f"/attempts/{attempt['id']}/feedback")).text
    item, version = param[0]
    assert render(version.data["parametrised"], item.seed).prompt_html in feedback


async def test_partial_credit_and_a_bad_answer_shape(fmt_id, db, as_role) -> None:  # type: ignore[no-untyped-def]
    cand = await as_role("candidate")
    attempt = (await cand.post(f"/api/v1/formats/{fmt_id}/attempts")).json()
    items = await _items(db, attempt["id"])
    item, version = next(
        (i, v) for i, v in items if v.data.get("parametrised", {}).get("generator") == "ridge_vs_ols"
    )
    right = _right(version.data["parametrised"], item.seed)
    url = f"/attempts/{attempt['id']}/items/{item.id}/answer"
    bad = await cand.post(url, json={"base_revision": 0, "save_id": "b", "parts": "1.0"})
    assert bad.status_code == 422
    half = [right[0], right[1], "1000", "1000"]  # ridge coordinates stay far below 1000 (entries ≤ 4)
    assert (await cand.post(url, json={"base_revision": 0, "save_id": "h", "parts": half})).status_code == 200
    await cand.post(f"/api/v1/attempts/{attempt['id']}/submit")
    async with db() as s:
        assert (await s.get(AttemptItem, item.id)).score == 0.5  # type: ignore[union-attr]


async def test_authoring_validates_generator_and_ranges(db) -> None:  # type: ignore[no-untyped-def]
    gen = generators.get("gd_quadratic_step")
    assert gen is not None
    with pytest.raises(ValueError, match="no generator"):
        QuestionDoc.model_validate(
            {**doc_for(gen).model_dump(), "parametrised": {"generator": "nope", "version": 1}}
        )
    with pytest.raises(ValueError, match="must stay within"):
        doc_for(gen, {"lr": (0.0, 5.0)})
    with pytest.raises(ValueError, match="only a parametrised question"):
        QuestionDoc.model_validate({**doc_for(gen).model_dump(), "kind": "free_text"})


async def test_native_json_carries_the_generator_and_gift_says_it_dropped_it(fmt_id, as_role) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    bank = (await admin.get("/api/v1/exports?format=json&topic=optimisation")).json()
    q = next(q for q in bank["questions"] if q.get("external_id") == "pm-gd-quadratic-step")
    assert q["kind"] == "parametrised"
    assert q["parametrised"]["generator"] == "gd_quadratic_step" and q["parametrised"]["version"] == 1
    assert q["parametrised"]["ranges"]["lr"] == [0.05, 0.3]
    again = await admin.post("/api/v1/imports?format=json", content=json.dumps(bank).encode())
    body = again.json()
    assert body["ok"] and body["counts"]["create"] == 0 and body["counts"]["new version"] == 0, body
    gift = await admin.get("/api/v1/exports?format=gift&topic=optimisation")
    assert "generator name, version and parameter ranges" in gift.headers["x-export-dropped"]
    xml = await admin.get("/api/v1/exports?format=moodle-xml&topic=optimisation")
    assert "generator name, version and parameter ranges" in xml.headers["x-export-dropped"]


async def test_editor_creates_a_parametrised_question(as_role, db) -> None:  # type: ignore[no-untyped-def]
    from tests.questions.conftest import form_of

    admin = await as_role("admin")
    async with db() as s:
        await seed_topics(s)
        await s.commit()
    gen = generators.get("split_gain")
    assert gen is not None
    fields = form_of(doc_for(gen).model_dump(mode="json"))
    fields = {k: v for k, v in fields.items() if not k.startswith("parametrised-ranges")}
    fields["parametrised-ranges"] = "count = 5 .. 8"
    r = await admin.post("/admin/questions", data=fields)
    assert r.status_code in (200, 303), r.text[:500]
    async with db() as s:
        q = (await s.execute(select(Question).where(Question.external_id == "pm-split-gain"))).scalar_one()
        v = await s.get(QuestionVersion, q.current_version_id)
        assert v is not None and v.data["parametrised"]["ranges"] == {"count": [5.0, 8.0]}
