"""The data behind the per-mentor calibration figures (formulas: app/calibration/figures.py):
each mentor's anchor reviews (levels against the reference levels) and the level pairs they share
with co-reviewers on real, counted attempts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import charts
from app.calibration import figures
from app.calibration.figures import CriterionScore, MentorFigures, Pair
from app.reviews import rules

# each submitted anchor review's item levels, the anchor's reference levels and the rubric
ANCHOR_REVIEWS = text(
    """
SELECT r.reviewer_id, r.id AS review_id, r.submitted_at, ri.levels, a.reference_levels, v.rubric
FROM review r
JOIN anchor_presentation p ON p.attempt_id = r.attempt_id AND p.mentor_id = r.reviewer_id
JOIN anchor a ON a.id = p.anchor_id
JOIN question_version v ON v.id = a.version_id
JOIN review_item ri ON ri.review_id = r.id
JOIN attempt_item ai ON ai.id = ri.item_id AND ai.question_id = a.question_id
WHERE r.status = 'submitted' AND (CAST(:me AS uuid) IS NULL OR r.reviewer_id = CAST(:me AS uuid))
ORDER BY r.submitted_at
"""
)

# two mentors' levels on the same item of a real (counted) attempt: one row per ordered pair of
# reviews, so each mentor sees their pairs as "mine"
PAIRS = text(
    """
SELECT r1.reviewer_id, r1.submitted_at, i1.levels AS mine, i2.levels AS other
FROM review_item i1
JOIN review r1 ON r1.id = i1.review_id AND r1.status = 'submitted'
JOIN attempt t ON t.id = r1.attempt_id AND t.counted
JOIN review_item i2 ON i2.item_id = i1.item_id AND i2.review_id <> i1.review_id
JOIN review r2 ON r2.id = i2.review_id AND r2.status = 'submitted' AND r2.reviewer_id <> r1.reviewer_id
WHERE CAST(:me AS uuid) IS NULL OR r1.reviewer_id = CAST(:me AS uuid)
"""
)

MENTORS = text(
    """
SELECT u.id, u.display_name FROM app_user u
WHERE u.roles && ARRAY['mentor','admin']::varchar[]
  AND EXISTS (SELECT 1 FROM review r WHERE r.reviewer_id = u.id AND r.status = 'submitted')
ORDER BY u.display_name
"""
)


def _scores(rows: list[Any]) -> tuple[dict[uuid.UUID, list[CriterionScore]], dict[uuid.UUID, int]]:
    scores: dict[uuid.UUID, list[CriterionScore]] = defaultdict(list)
    reviews: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for r in rows:
        criteria = rules.effective_rubric(r.rubric).get("criteria", [])
        reviews[r.reviewer_id].add(r.review_id)
        for c, crit in enumerate(criteria):
            if c >= len(r.levels) or c >= len(r.reference_levels):
                continue
            points = [float(level["points"]) for level in crit["levels"]]
            scores[r.reviewer_id].append(
                CriterionScore(
                    crit["name"],
                    points[r.levels[c]],
                    points[r.reference_levels[c]],
                    float(crit["points"]),
                    r.submitted_at,
                    mine_level=int(r.levels[c]),
                    reference_level=int(r.reference_levels[c]),
                )
            )
    return scores, {k: len(v) for k, v in reviews.items()}


def _pairs(rows: list[Any]) -> dict[uuid.UUID, list[Pair]]:
    out: dict[uuid.UUID, list[Pair]] = defaultdict(list)
    for r in rows:
        for mine, other in zip(r.mine or [], r.other or [], strict=False):
            out[r.reviewer_id].append(Pair(int(mine), int(other), r.submitted_at))
    return out


async def _compute(session: AsyncSession, me: uuid.UUID | None) -> dict[uuid.UUID, MentorFigures]:
    anchor_rows = list((await session.execute(ANCHOR_REVIEWS, {"me": me})).all())
    pair_rows = list((await session.execute(PAIRS, {"me": me})).all())

    def work() -> dict[uuid.UUID, MentorFigures]:
        scores, counts = _scores(anchor_rows)
        pairs = _pairs(pair_rows)
        return {
            m: figures.mentor_figures(scores.get(m, []), pairs.get(m, []), counts.get(m, 0))
            for m in set(scores) | set(pairs)
        }

    return await anyio.to_thread.run_sync(work)


EMPTY = figures.mentor_figures([], [], 0)


async def for_mentor(session: AsyncSession, mentor_id: uuid.UUID) -> MentorFigures:
    return (await _compute(session, mentor_id)).get(mentor_id, EMPTY)


@dataclass
class MentorRow:
    id: uuid.UUID
    name: str
    figures: MentorFigures
    chart: charts.Chart


async def all_mentors(session: AsyncSession) -> list[MentorRow]:
    found = await _compute(session, None)
    mentors = (await session.execute(MENTORS)).all()
    return [
        MentorRow(m.id, m.display_name, f := found.get(m.id, EMPTY), trend_chart(f, m.display_name))
        for m in mentors
    ]


def trend_chart(f: MentorFigures, who: str = "") -> charts.Chart:
    chart = charts.trend(f"Calibration trend{': ' + who if who else ''}", figures.trend_series(f.weeks))
    return charts.Chart(
        chart.title,
        chart.x_label,
        "Value (0–1, as %)",
        chart.x_ticks,
        chart.y_ticks,
        chart.marks,
        chart.series,
    )
