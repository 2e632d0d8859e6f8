"""Admin analytics through HTTP on real Postgres: synthetic attempts with planted item parameters,
the statistics finding them again, filters, CSV, and who may see the pages."""

from __future__ import annotations

import csv
import io
import re
import uuid

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analytics.refresh import refresh_all
from app.analytics.synthetic import Planted, generate_attempts
from app.questions.native import Kind, NumericAnswer, Option, QuestionDoc
from tests.factories import publish_questions
from tests.reviews.conftest import RUBRIC

pytestmark = pytest.mark.anyio

# every summary table the refresher fills (app/analytics/models.py)
SUMMARY_TABLES = (
    "an_item",
    "an_question_day",
    "an_question_total",
    "an_time_bin",
    "an_misconception",
    "an_misconception_week",
    "an_review",
    "an_level_pair",
    "an_reviewer_week",
    "an_turnaround_bin",
    "an_level_pair_week",
)

TOPICS = ["optimisation/gradient-descent", "supervised/linear-regression"]


def _docs() -> list[QuestionDoc]:
    docs = []
    for i in range(18):
        topic = TOPICS[i % 2]
        difficulty = 1 + i % 3
        if i % 3 == 0:
            docs.append(
                QuestionDoc(
                    external_id=f"an-choice-{i}",
                    topic=topic,
                    title=f"Choice {i}",
                    kind=Kind.single_choice,
                    prompt="Pick one.",
                    difficulty=difficulty,
                    tags=["planted"],
                    options=[
                        Option(text="right", correct=True),
                        Option(text="tempting"),
                        Option(text="never chosen"),
                    ],
                )
            )
        elif i % 3 == 1:
            docs.append(
                QuestionDoc(
                    external_id=f"an-number-{i}",
                    topic=topic,
                    title=f"Number {i}",
                    kind=Kind.numeric,
                    prompt="A number.",
                    difficulty=difficulty,
                    numeric=NumericAnswer(value=2.5, tolerance=0.01),
                )
            )
        else:
            docs.append(
                QuestionDoc(
                    external_id=f"an-text-{i}",
                    topic=topic,
                    title=f"Text {i}",
                    kind=Kind.free_text,
                    prompt="Explain.",
                    difficulty=difficulty,
                    rubric=RUBRIC,
                )
            )
    return docs


async def _plant(db: async_sessionmaker[AsyncSession], attempts: int) -> Planted:
    async with db() as s:
        await publish_questions(s, _docs())
        result = await generate_attempts(s, attempts, seed=7, items_per_attempt=8, miskeyed_share=0.12)
        await refresh_all(s)
        await s.commit()
    return result


@pytest.fixture
async def planted(db: async_sessionmaker[AsyncSession]) -> Planted:
    """A history large enough for the statistics to find the planted parameters again."""
    return await _plant(db, 900)


# the pages' own tests need data on every page, not a statistical sample: a sixth of it
PAGE_ATTEMPTS = 150


@pytest.fixture
async def history(db: async_sessionmaker[AsyncSession]) -> Planted:
    return await _plant(db, PAGE_ATTEMPTS)


def _expected_facility(b: float, a: float) -> float:
    """The planted item's facility: P(right) = σ(a(θ − b)) averaged over θ ~ N(0, 1)."""
    theta = np.linspace(-4, 4, 801)
    weight = np.exp(-(theta**2) / 2)
    return float(np.sum(weight / (1 + np.exp(-a * (theta - b)))) / np.sum(weight))


def _table(html: str) -> list[dict[str, str]]:
    rows = re.findall(
        r"<tr>\s*<td><a href=\"/admin/analytics/questions/([0-9a-f-]+)\">(.*?)</a></td>(.*?)</tr>", html, re.S
    )
    out = []
    for qid, title, rest in rows:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", rest, re.S)]
        out.append({"id": qid, "title": title, "cells": cells})
    return out


@pytest.mark.slow  # a statistical sample: 900 synthetic attempts (the pages' own tests use 150)
async def test_statistics_recover_the_planted_items(as_role, planted: Planted) -> None:
    from scipy import stats as sps  # (a second of CPU to import: only where it is used)

    admin = await as_role("admin")
    response = await admin.get("/admin/analytics", params={"export": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 18
    by_title = {r["question"]: r for r in rows}
    page = await admin.get("/admin/analytics")
    ids = {row["title"]: row["id"] for row in _table(page.text)}
    facility, difficulty, discrimination, slope = [], [], [], []
    for title, r in by_title.items():
        item = planted.items[uuid.UUID(ids[title])]
        assert int(r["used"]) > 200
        facility.append(float(r["facility"]))
        difficulty.append(_expected_facility(item.difficulty, item.discrimination))
        discrimination.append(float(r["discrimination"]))
        slope.append(item.discrimination)
        if item.discrimination < 0:
            # a planted mis-keyed item: strong candidates get it wrong more often
            assert float(r["discrimination"]) < 0
            assert "negative discrimination" in r["flags"]
    # the planted facility ordering is found again; more discriminating items correlate more with the rest
    rho_facility = sps.spearmanr(facility, difficulty).statistic
    rho_discrimination = sps.spearmanr(discrimination, slope).statistic
    assert rho_facility > 0.8
    assert rho_discrimination > 0.6


async def test_question_page_has_the_distractor_analysis(as_role, history: Planted) -> None:
    admin = await as_role("admin")
    page = await admin.get("/admin/analytics")
    choice = next(r for r in _table(page.text) if r["title"].startswith("Choice"))
    detail = await admin.get(f"/admin/analytics/questions/{choice['id']}")
    assert detail.status_code == 200
    assert "Options (distractor analysis)" in detail.text
    assert "nobody picks this option" in detail.text  # "never chosen" is never generated
    assert "<svg" in detail.text and "Time on this question" in detail.text


async def test_mentors_formats_topics(as_role, history: Planted) -> None:
    admin = await as_role("admin")
    mentors = await admin.get("/admin/analytics/mentors")
    assert mentors.status_code == 200
    assert mentors.text.count("Synthetic mentor") == 4
    m = re.search(r"on rubric levels\):\s*<strong>([-0-9.]+)</strong>\s*\((\d+) pairs", mentors.text)
    assert m and -1 <= float(m.group(1)) <= 1 and int(m.group(2)) > 0
    mentor_csv = list(
        csv.DictReader(io.StringIO((await admin.get("/admin/analytics/mentors?export=csv")).text))
    )
    assert sum(int(r["reviews"]) for r in mentor_csv) > 0
    formats = await admin.get("/admin/analytics/formats")
    assert "Synthetic attempts (generated for analytics)" in formats.text
    assert "Score distribution" in formats.text
    topics = await admin.get("/admin/analytics/topics")
    assert topics.status_code == 200 and "Mean score per area and week" in topics.text


async def test_filters(as_role, history: Planted) -> None:
    admin = await as_role("admin")
    kind = list(
        csv.DictReader(io.StringIO((await admin.get("/admin/analytics?export=csv&kind=numeric")).text))
    )
    assert kind and all(r["kind"] == "numeric" for r in kind)
    tag = list(csv.DictReader(io.StringIO((await admin.get("/admin/analytics?export=csv&tag=planted")).text)))
    assert len(tag) == 6
    empty = await admin.get("/admin/analytics?since=2999-01-01")
    window = list(
        csv.DictReader(
            io.StringIO(
                (await admin.get("/admin/analytics?export=csv&since=2000-01-01&until=2999-12-31")).text
            )
        )
    )
    assert sum(int(r["used"]) for r in window) == PAGE_ATTEMPTS * 8
    assert "No finished attempts match" in empty.text
    # empty selects mean "all"; bad values are a 422 with a message, never a 500
    assert (await admin.get("/admin/analytics?topic_id=&format_id=&kind=")).status_code == 200
    assert (await admin.get("/admin/analytics?since=yesterday")).status_code == 422
    assert (await admin.get("/admin/analytics?kind=essay")).status_code == 422
    fragment = await admin.get("/admin/analytics?kind=numeric", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="results">')


@pytest.mark.parametrize("role", ["candidate", "mentor"])
async def test_only_admins(as_role, role: str) -> None:
    client = await as_role(role)
    for path in (
        "/admin/analytics",
        "/admin/analytics/mentors",
        "/admin/analytics/formats",
        "/admin/analytics/topics",
    ):
        assert (await client.get(path)).status_code == 403


async def test_curation_page_shows_the_question_statistics(as_role, history: Planted) -> None:
    admin = await as_role("admin")
    qid = next(iter(history.items))
    curation = await admin.get(f"/admin/questions/{qid}")
    assert f'hx-get="/admin/analytics/questions/{qid}/summary"' in curation.text
    summary = await admin.get(f"/admin/analytics/questions/{qid}/summary", headers={"HX-Request": "true"})
    assert summary.status_code == 200
    assert "<dt>Facility</dt>" in summary.text and "<!doctype" not in summary.text.lower()


async def test_incremental_refresh_equals_a_rebuild(
    db: async_sessionmaker[AsyncSession], history: Planted
) -> None:
    """New reviews arrive after the first refresh: the summaries equal a rebuild from scratch (an
    equality, not a statistic: the pages' history is enough)."""
    from sqlalchemy import text

    summary = "SELECT question_id, version_id, format_id, day, n, n_scored, round(s_f::numeric, 6), round(s_fr::numeric, 6), n_unanswered FROM an_question_day ORDER BY 1, 2, 3, 4"
    totals = (
        "SELECT question_id, used, scored, round(sf::numeric, 6), round(sfr::numeric, 6), round(secs::numeric, 3), "
        "unanswered, time_bins, time_counts, misconception_codes, misconception_counts "
        "FROM an_question_total ORDER BY 1"
    )
    mentors = (
        "SELECT w.reviewer_id, w.week, w.n, round(w.severity_sum::numeric, 6), w.rated, w.helpful, "
        "(SELECT sum(n) FROM an_level_pair_week p WHERE p.reviewer_id = w.reviewer_id AND p.week = w.week), "
        "(SELECT sum(n) FROM an_turnaround_bin b WHERE b.reviewer_id = w.reviewer_id AND b.week = w.week) "
        "FROM an_reviewer_week w ORDER BY 1, 2"
    )
    async with db() as s:
        # a mentor re-scores some answers (the trigger queues their attempts), then the refresher runs
        await s.execute(
            text(
                "UPDATE review_item SET fraction = 1 - fraction WHERE item_id IN "
                "(SELECT item_id FROM review_item ORDER BY item_id LIMIT 50)"
            )
        )
        await s.execute(
            text(
                "UPDATE review SET status = 'submitted' WHERE id IN (SELECT review_id FROM review_item "
                "ORDER BY item_id LIMIT 50)"
            )
        )
        assert (await s.execute(text("SELECT count(*) FROM analytics_dirty"))).scalar_one() > 0
        await refresh_all(s, batch=7)  # small batches: many partial rebuilds
        incremental = (await s.execute(text(summary))).all()
        incremental_totals = (await s.execute(text(totals))).all()
        incremental_mentors = (await s.execute(text(mentors))).all()
        for table in SUMMARY_TABLES:
            await s.execute(text(f"DELETE FROM {table}"))
        await s.execute(
            text("INSERT INTO analytics_dirty SELECT id FROM attempt WHERE state <> 'in_progress'")
        )
        await refresh_all(s)
        rebuilt = (await s.execute(text(summary))).all()
        rebuilt_totals = (await s.execute(text(totals))).all()
        rebuilt_mentors = (await s.execute(text(mentors))).all()
        await s.rollback()
    assert incremental == rebuilt
    assert incremental_totals == rebuilt_totals and len(rebuilt_totals) == 18
    assert incremental_mentors == rebuilt_mentors and len(rebuilt_mentors) > 0
    assert len(rebuilt) > 0
