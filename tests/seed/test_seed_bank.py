"""The seed bank loads into a fresh database with the coverage, rendering and rubrics it promises."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from app.questions.models import Question, QuestionVersion, Topic
from app.questions.native import Kind
from app.questions.seedcheck import load_all_questions
from app.questions.seeding import load_seed

pytestmark = pytest.mark.anyio

# The minimums: per topic, or per area where a whole area is counted.
TOPIC_MINIMUMS = {
    "supervised/linear-regression": 12,
    "supervised/logistic-regression": 10,
    "supervised/regularisation": 10,
    "supervised/trees-ensembles": 14,
    "supervised/svm-kernels": 8,
    "supervised/knn": 6,
    "supervised/naive-bayes": 6,
}
AREA_MINIMUMS = {"optimisation": 20, "evaluation": 14, "probability": 12, "learning-theory": 10}


async def _loaded(db):  # type: ignore[no-untyped-def]
    async with db() as session:
        report = await load_seed(session)
        await session.commit()
        area = Topic.__table__.alias("area")
        rows = (
            await session.execute(
                select(Question.status, QuestionVersion, area.c.slug, Topic.slug)
                .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                .join(Topic, Topic.id == Question.topic_id)
                .join(area, area.c.id == Topic.parent_id)
            )
        ).all()
    return report, rows


@pytest.mark.slow  # seeds the whole bank
async def test_seed_loads_with_coverage(db) -> None:
    report, rows = await _loaded(db)
    assert report.created == len(rows) >= 120
    assert all(status == "published" for status, *_ in rows)
    per_topic = Counter(f"{a}/{t}" for _, _, a, t in rows)
    per_area = Counter(a for _, _, a, _ in rows)
    for topic, minimum in TOPIC_MINIMUMS.items():
        assert per_topic[topic] >= minimum, topic
    for area, minimum in AREA_MINIMUMS.items():
        assert per_area[area] >= minimum, area
    difficulties: dict[str, set[int]] = defaultdict(set)
    for _, v, a, t in rows:
        difficulties[a].add(v.difficulty)
        difficulties[f"{a}/{t}"].add(v.difficulty)
    assert all(d == {1, 2, 3} for d in difficulties.values()), {
        k: d for k, d in difficulties.items() if d != {1, 2, 3}
    }
    assert sum(v.kind != "free_text" for _, v, _, _ in rows) >= 35


@pytest.mark.slow  # seeds the whole bank
async def test_every_question_renders_cleanly(db) -> None:
    _, rows = await _loaded(db)
    for _, v, _, _ in rows:
        html = [v.prompt_html, v.reference_html]
        options = v.data.get("options", [])  # a parametrised version has none
        html += [o["text_html"] for o in options] + [o["feedback_html"] for o in options]
        html += [lv["descriptor_html"] for c in v.rubric["criteria"] for lv in c["levels"]]
        html += v.rubric["key_points_html"] + v.data["hints_html"]
        html += [f["question_html"] for f in v.follow_ups] + [f["expected_answer_html"] for f in v.follow_ups]
        sources = " ".join([v.prompt, v.reference_answer] + [o["text"] for o in options])
        for fragment in html:
            assert "\\" not in fragment, (v.title, fragment[:200])
            assert "$$" not in fragment, v.title
            if "$" in fragment:  # only an escaped literal dollar in the source may survive
                assert "\\$" in sources or "$" in re.sub(r"\$[^$]+\$", "", sources), v.title
        assert "<math" in v.prompt_html + v.reference_html or "$" not in v.prompt + v.reference_answer, (
            v.title
        )


def test_free_text_rubrics_meet_the_minimums() -> None:
    for doc in load_all_questions():
        if doc.kind is Kind.free_text:
            r = doc.rubric
            assert len(r.criteria) >= 3, doc.external_id
            assert all(len(c.levels) >= 2 and c.levels[-1].points == c.points for c in r.criteria), (
                doc.external_id
            )
            assert len(r.key_points) >= 3, doc.external_id
            assert len(r.misconceptions) >= 2, doc.external_id
            assert doc.reference_answer.strip(), doc.external_id


def test_external_ids_are_unique() -> None:
    ids = [d.external_id for d in load_all_questions()]
    assert len(ids) == len(set(ids))


@pytest.mark.slow  # seeds the whole bank
async def test_seed_twice_creates_nothing_and_a_change_makes_a_new_version(db, monkeypatch) -> None:
    await _loaded(db)
    async with db() as session:
        before = (await session.execute(select(func.count()).select_from(QuestionVersion))).scalar_one()
        again = await load_seed(session)
        await session.commit()
        assert (again.created, again.new_versions) == (0, 0)
        assert (
            await session.execute(select(func.count()).select_from(QuestionVersion))
        ).scalar_one() == before

    import app.questions.seeding as seeding

    docs = load_all_questions()
    edited = docs[0].model_copy(update={"title": docs[0].title + " (revised)"})
    monkeypatch.setattr(seeding, "load_all_questions", lambda: [edited, *docs[1:]])
    async with db() as session:
        changed = await seeding.load_seed(session)
        await session.commit()
        assert (changed.created, changed.new_versions) == (0, 1)
        q = (
            await session.execute(select(Question).where(Question.external_id == edited.external_id))
        ).scalar_one()
        versions = (
            (
                await session.execute(
                    select(QuestionVersion)
                    .where(QuestionVersion.question_id == q.id)
                    .order_by(QuestionVersion.number)
                )
            )
            .scalars()
            .all()
        )
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].title == docs[0].title  # version 1 untouched
        assert q.current_version_id == versions[1].id


@pytest.mark.slow  # seeds the whole bank
async def test_hints_are_stored_with_the_version(db) -> None:
    _, rows = await _loaded(db)
    docs = {d.title: d for d in load_all_questions()}
    with_hints = [v for _, v, _, _ in rows if docs[v.title].hints]
    assert with_hints
    for v in with_hints:
        assert v.hints == docs[v.title].hints
        assert len(v.data["hints_html"]) == len(v.hints)


def test_free_text_questions_have_follow_ups_and_ten_point_rubrics() -> None:
    for doc in load_all_questions():
        if doc.kind is Kind.free_text:
            assert doc.follow_ups, f"{doc.external_id}: no follow-up question"
            assert sum(c.points for c in doc.rubric.criteria) == RUBRIC_TOTAL, doc.external_id


RUBRIC_TOTAL = (
    10  # seed/AUTHORING.md: every free-text rubric is out of 10, so scores compare across questions
)
# Maths written as plain text: superscripts/subscripts (X^T, d_j), spelled-out Greek, ASCII
# comparisons, Unicode Greek/roots/powers outside $…$.
PLAIN_MATH = re.compile(
    r"\^[A-Za-z0-9{(\-]|\b[A-Za-z]_[A-Za-z0-9{]"
    r"|\b(?:sigma|lambda|theta|beta|alpha|eta|mu|rho|delta|epsilon|gamma|kappa|tau|nabla|sqrt)\b"
    r"|<=|>=|!=|[α-ωΑ-Ω√²³≤≥∑∇]"
)


def _outside_maths(text: str) -> str:
    return re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", " ", text, flags=re.S)


def test_maths_in_key_points_descriptors_and_feedback_is_latex() -> None:
    for doc in load_all_questions():
        texts = list(doc.rubric.key_points) + [o.feedback for o in doc.options]
        texts += [lv.descriptor for c in doc.rubric.criteria for lv in c.levels]
        for text in texts:
            found = PLAIN_MATH.search(_outside_maths(text))
            assert found is None, f"{doc.external_id}: write {found.group(0)!r} as LaTeX in: {text}"
