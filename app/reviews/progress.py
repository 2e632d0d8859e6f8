"""A candidate's progress: score per topic over time (a pygal SVG and the same data as a table),
weakest topics, the misconceptions most often tagged, and similar questions to practise.

An item's final fraction: the adjudicated one when a disagreement was settled, else the mean over
submitted reviews, once the attempt is released; before that only objective items count, with their
automatic score.
"""

from __future__ import annotations

import re
import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pygal
from pygal.style import Style
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.questions import kinds

# an objective item's own score counts until mentors' feedback is released; a mentor-graded one waits
ITEM_FRACTIONS = text(
    """
SELECT a.id AS attempt_id, coalesce(a.finished_at, a.started_at) AS at, t.id AS topic_id, t.name AS topic,
       CASE WHEN a.state = 'released' THEN coalesce(
                (SELECT CAST(adj.items -> CAST(i.id AS text) ->> 'fraction' AS double precision)
                 FROM adjudication adj WHERE adj.attempt_id = a.id AND adj.status = 'settled'),
                (SELECT avg(ri.fraction) FROM review_item ri JOIN review r ON r.id = ri.review_id
                 WHERE ri.item_id = i.id AND r.status = 'submitted'))
            WHEN i.kind <> ALL(CAST(:mentor_graded AS text[])) AND i.max_points > 0 THEN i.score / i.max_points
       END AS fraction
FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id
JOIN question q ON q.id = i.question_id JOIN topic t ON t.id = q.topic_id
WHERE a.user_id = :me AND a.counted AND a.state <> 'in_progress'
ORDER BY at, a.id
"""
).bindparams(mentor_graded=kinds.mentor_graded())

MISCONCEPTIONS = text(
    """
SELECT ri.misconceptions, ri.other_misconception, v.rubric -> 'misconceptions' AS known
FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
JOIN attempt_item i ON i.id = ri.item_id JOIN attempt a ON a.id = i.attempt_id
JOIN question_version v ON v.id = i.version_id
WHERE a.user_id = :me AND a.state = 'released'
"""
)

# a published question in the same topic (never the same one), preferring ones this candidate has
# not drawn yet
SIMILAR = text(
    """
SELECT DISTINCT ON (src.id) src.id AS source_id, q.id, v.title
FROM question src
JOIN question q ON q.topic_id = src.topic_id AND q.id <> src.id AND q.status = 'published'
JOIN question_version v ON v.id = q.current_version_id
WHERE src.id = ANY(CAST(:ids AS uuid[]))
ORDER BY src.id,
         EXISTS (SELECT 1 FROM attempt_item i JOIN attempt a ON a.id = i.attempt_id
                 WHERE i.question_id = q.id AND a.user_id = :me),
         q.id
"""
)

# a published question in the topic that this candidate has not drawn yet
IN_TOPIC = text(
    """
SELECT DISTINCT ON (q.topic_id) q.topic_id, q.id, v.title
FROM question q JOIN question_version v ON v.id = q.current_version_id
WHERE q.status = 'published' AND q.topic_id = ANY(CAST(:topics AS integer[]))
  AND NOT EXISTS (SELECT 1 FROM attempt_item i JOIN attempt a ON a.id = i.attempt_id
                  WHERE i.question_id = q.id AND a.user_id = :me)
ORDER BY q.topic_id, q.id
"""
)


@dataclass(frozen=True)
class Point:
    attempt_id: uuid.UUID
    at: datetime
    percent: float


@dataclass
class TopicProgress:
    topic_id: int
    name: str
    points: list[Point]

    @property
    def mean(self) -> float:
        return statistics.fmean(p.percent for p in self.points)


async def topic_progress(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[list[datetime], list[TopicProgress]]:
    """(attempt times in order, per topic the mean percent in each attempt that touched it)."""
    rows = (await session.execute(ITEM_FRACTIONS, {"me": user_id})).all()
    per: dict[tuple[int, uuid.UUID], list[float]] = defaultdict(list)
    names: dict[int, str] = {}
    when: dict[uuid.UUID, datetime] = {}
    for r in rows:
        if r.fraction is None:
            continue
        per[(r.topic_id, r.attempt_id)].append(float(r.fraction))
        names[r.topic_id] = r.topic
        when[r.attempt_id] = r.at
    topics: dict[int, TopicProgress] = {}
    for (topic_id, attempt_id), values in per.items():
        tp = topics.setdefault(topic_id, TopicProgress(topic_id, names[topic_id], []))
        tp.points.append(Point(attempt_id, when[attempt_id], round(100 * statistics.fmean(values), 1)))
    for tp in topics.values():
        tp.points.sort(key=lambda p: p.at)
    times = sorted(set(when.values()))
    return times, sorted(topics.values(), key=lambda t: t.name)


def weakest(topics: list[TopicProgress], n: int = 3) -> list[TopicProgress]:
    return sorted(topics, key=lambda t: (t.mean, t.name))[:n]


async def frequent_misconceptions(
    session: AsyncSession, user_id: uuid.UUID, n: int = 5
) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for codes, other, known in (await session.execute(MISCONCEPTIONS, {"me": user_id})).all():
        labels = {m["code"]: m["label"] for m in (known or [])}
        for code in codes or []:
            if code == "other":
                if other:
                    counts[other.strip()[:200]] += 1
            else:
                counts[labels.get(code, code)] += 1
    return counts.most_common(n)


async def similar_questions(
    session: AsyncSession, user_id: uuid.UUID, questions: list[tuple[uuid.UUID, str]]
) -> dict[uuid.UUID, dict[str, Any]]:
    """For each question: another published question in its topic (id, title), if any."""
    ids = [q for q, _ in questions]
    if not ids:
        return {}
    rows = (await session.execute(SIMILAR, {"ids": ids, "me": user_id})).all()
    return {r.source_id: {"id": r.id, "title": r.title} for r in rows}


async def practice_in_topics(
    session: AsyncSession, user_id: uuid.UUID, topic_ids: list[int]
) -> dict[int, dict[str, Any]]:
    if not topic_ids:
        return {}
    rows = (await session.execute(IN_TOPIC, {"topics": topic_ids, "me": user_id})).all()
    return {r.topic_id: {"id": r.id, "title": r.title} for r in rows}


# ---- the chart -----------------------------------------------------------------------------------

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#6b7280",
    font_family="system-ui, sans-serif",
    colors=("#1d4ed8", "#b45309", "#047857", "#9d174d", "#6d28d9", "#0f766e", "#b91c1c", "#4b5563"),
)
# The SVG carries pygal's own <style>; it is served with a CSP of its own that allows inline
# styles and nothing else (no scripts: pygal's config script is also removed).
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
_SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>", re.S)


def chart_svg(times: list[datetime], topics: list[TopicProgress]) -> bytes:
    chart = pygal.Line(
        js=[],
        width=760,
        height=380,
        range=(0, 100),
        style=CHART_STYLE,
        title="Score per topic (%)",
        show_dots=True,
        dots_size=4,
        x_label_rotation=20,
        legend_at_bottom=True,
        truncate_legend=40,
        no_data_text="No scored answers yet",
        disable_xml_declaration=True,
    )
    # numbered: two attempts finished in the same minute would otherwise share a label
    chart.x_labels = [f"#{n} · {t:%d %b %H:%M}" for n, t in enumerate(times, start=1)]
    index = {t: i for i, t in enumerate(times)}
    for tp in topics:
        values: list[float | None] = [None] * len(times)
        for p in tp.points:
            values[index[p.at]] = p.percent
        chart.add(tp.name, values)
    svg = chart.render()
    raw = svg.encode() if isinstance(svg, str) else bytes(svg)  # the "no data" chart comes back as str
    return _SCRIPT.sub(b"", raw)


FEEDBACK_SEARCH = text(
    """
SELECT a.id AS attempt_id, f.title AS format_title, o.released_at, o.score_percent
FROM attempt a JOIN interview_format f ON f.id = a.format_id
LEFT JOIN review_outcome o ON o.attempt_id = a.id
WHERE a.user_id = :me AND a.state = 'released'
  AND (:like = '' OR f.title ILIKE :like OR EXISTS (
        SELECT 1 FROM review r WHERE r.attempt_id = a.id AND r.status = 'submitted'
          AND (r.summary ILIKE :like OR EXISTS (
                SELECT 1 FROM review_item ri WHERE ri.review_id = r.id AND ri.comment ILIKE :like))))
ORDER BY o.released_at DESC NULLS LAST, a.id
LIMIT 100
"""
)


async def search_feedback(session: AsyncSession, user_id: uuid.UUID, q: str) -> list[Any]:
    """Released attempts of this candidate whose feedback (summaries, comments) or format title matches."""
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" if q else ""
    return list((await session.execute(FEEDBACK_SEARCH, {"me": user_id, "like": like})).all())
