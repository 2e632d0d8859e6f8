"""The analytics queries: every aggregation runs in Postgres, a constant number per page.

An item's score (0..1) is the mean of the submitted reviews' fractions when mentors reviewed it
(their verdict, overrides included), otherwise the automatic score of an objective item.
Only finalised attempts that count are used (strict attempts not submitted in time do not).
Filters on the attempt (format, date range) choose the attempts; filters on the question (topic,
tag, kind) choose which questions are reported — an attempt's total always includes all its items.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

UNANSWERED = """(ans.item_id IS NULL OR coalesce(
    nullif(btrim(ans.value->>'text'), ''), nullif(btrim(ans.value->>'number'), ''), ans.value->>'choice',
    CASE WHEN jsonb_typeof(ans.value->'choices') = 'array' AND jsonb_array_length(ans.value->'choices') > 0
         THEN 'x' END) IS NULL)"""

# the attempts in scope and their items' scores
SCORED = f"""
rv AS (
    SELECT ri.item_id, avg(ri.fraction) AS f, max(ri.fraction) - min(ri.fraction) AS spread, count(*) AS n
    FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
    GROUP BY ri.item_id
),
scored AS (
    SELECT i.id AS item_id, i.attempt_id, i.question_id, i.version_id, i.kind,
           i.time_spent_seconds AS secs, a.format_id, a.finished_at, ans.value AS answer,
           CASE WHEN rv.n > 0 THEN rv.f
                WHEN i.kind <> 'free_text' AND i.max_points > 0 THEN i.score / i.max_points END AS frac,
           CASE WHEN rv.n >= 2 THEN rv.spread END AS spread,
           {UNANSWERED} AS unanswered
    FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id
    LEFT JOIN answer ans ON ans.item_id = i.id
    LEFT JOIN rv ON rv.item_id = i.id
    WHERE a.state <> 'in_progress' AND a.counted
      AND (CAST(:format_id AS uuid) IS NULL OR a.format_id = CAST(:format_id AS uuid))
      AND (CAST(:since AS timestamptz) IS NULL OR a.finished_at >= CAST(:since AS timestamptz))
      AND (CAST(:until AS timestamptz) IS NULL OR a.finished_at < CAST(:until AS timestamptz))
),
totals AS (SELECT attempt_id, sum(frac) AS total FROM scored GROUP BY attempt_id)
"""  # noqa: S608 - constant fragments only; values are bound parameters

QUESTION_FILTER = """
      AND (CAST(:topic_id AS int) IS NULL OR t.id = CAST(:topic_id AS int) OR t.parent_id = CAST(:topic_id AS int))
      AND (CAST(:tag AS text) IS NULL OR CAST(:tag AS text) = ANY(v.tags))
      AND (CAST(:kind AS text) IS NULL OR v.kind = CAST(:kind AS text))
      AND (CAST(:question_id AS uuid) IS NULL OR q.id = CAST(:question_id AS uuid))
"""

QUESTIONS = text(
    f"""
WITH {SCORED}
SELECT q.id, q.external_id, v.title, v.kind, t.name AS topic,
       count(*) AS used, count(s.frac) AS scored, avg(s.frac) AS facility,
       corr(s.frac, tt.total - s.frac) AS discrimination,
       avg(s.secs) AS mean_seconds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.secs) AS median_seconds,
       avg(s.unanswered::int) AS unanswered,
       avg(s.spread) AS spread, count(s.spread) AS double_reviewed
FROM scored s JOIN totals tt ON tt.attempt_id = s.attempt_id
JOIN question q ON q.id = s.question_id
JOIN question_version v ON v.id = q.current_version_id
JOIN topic t ON t.id = q.topic_id
WHERE true {QUESTION_FILTER}
GROUP BY q.id, q.external_id, v.title, v.kind, t.name
ORDER BY count(*) DESC, v.title
LIMIT :limit
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

MISCONCEPTIONS = text(
    f"""
SELECT i.question_id, m.code, count(*) AS n
FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
JOIN attempt_item i ON i.id = ri.item_id JOIN attempt a ON a.id = i.attempt_id
JOIN question q ON q.id = i.question_id
JOIN question_version v ON v.id = q.current_version_id
JOIN topic t ON t.id = q.topic_id
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(ri.misconceptions) = 'array' THEN ri.misconceptions ELSE '[]'::jsonb END) AS m(code)
WHERE a.counted AND a.state <> 'in_progress'
  AND (CAST(:format_id AS uuid) IS NULL OR a.format_id = CAST(:format_id AS uuid))
  AND (CAST(:since AS timestamptz) IS NULL OR a.finished_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR a.finished_at < CAST(:until AS timestamptz))
  {QUESTION_FILTER}
GROUP BY i.question_id, m.code
ORDER BY i.question_id, n DESC, m.code
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# one question: facility per version, and every answer with its candidate's rest score
QUESTION_VERSIONS = text(
    f"""
WITH {SCORED}
SELECT v.id, v.number AS version, count(*) AS used, avg(s.frac) AS facility,
       corr(s.frac, tt.total - s.frac) AS discrimination, count(s.frac) AS scored
FROM scored s JOIN totals tt ON tt.attempt_id = s.attempt_id
JOIN question_version v ON v.id = s.version_id
WHERE s.question_id = :question_id
GROUP BY v.id, v.number ORDER BY v.number
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

QUESTION_ANSWERS = text(
    f"""
WITH {SCORED}
SELECT s.version_id, s.answer, s.frac, tt.total, s.secs, s.unanswered
FROM scored s JOIN totals tt ON tt.attempt_id = s.attempt_id
WHERE s.question_id = :question_id
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

MENTORS = text(
    """
WITH done AS (
    SELECT r.reviewer_id, r.attempt_id, EXTRACT(EPOCH FROM (r.submitted_at - a.finished_at)) AS turnaround
    FROM review r JOIN attempt a ON a.id = r.attempt_id
    WHERE r.status = 'submitted'
      AND (CAST(:since AS timestamptz) IS NULL OR r.submitted_at >= CAST(:since AS timestamptz))
      AND (CAST(:until AS timestamptz) IS NULL OR r.submitted_at < CAST(:until AS timestamptz))
),
f AS (
    SELECT ri.item_id, rr.reviewer_id, ri.fraction
    FROM review_item ri JOIN review rr ON rr.id = ri.review_id
    WHERE rr.status = 'submitted'
      AND (CAST(:since AS timestamptz) IS NULL OR rr.submitted_at >= CAST(:since AS timestamptz))
      AND (CAST(:until AS timestamptz) IS NULL OR rr.submitted_at < CAST(:until AS timestamptz))
),
multi AS (SELECT item_id, sum(fraction) AS s, count(*) AS n FROM f GROUP BY item_id HAVING count(*) >= 2),
severity AS (
    SELECT f.reviewer_id, avg(f.fraction - (m.s - f.fraction) / (m.n - 1)) AS severity, count(*) AS n
    FROM f JOIN multi m ON m.item_id = f.item_id GROUP BY f.reviewer_id
)
SELECT u.id, u.display_name, count(*) AS reviews,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.turnaround) AS median_turnaround,
       avg((fr.rating >= 4)::int) AS helpful, count(fr.rating) AS rated,
       max(sv.severity) AS severity, max(sv.n) AS severity_n
FROM done d JOIN app_user u ON u.id = d.reviewer_id
LEFT JOIN feedback_rating fr ON fr.attempt_id = d.attempt_id
LEFT JOIN severity sv ON sv.reviewer_id = d.reviewer_id
GROUP BY u.id, u.display_name
ORDER BY count(*) DESC, u.display_name
"""
)

# rubric levels two mentors gave the same criterion of the same answer: (mentor, mine, other, count)
LEVEL_PAIRS = text(
    """
WITH l AS (
    SELECT ri.item_id, r.reviewer_id, c.idx, CAST(c.level AS int) AS level
    FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(ri.levels) = 'array' THEN ri.levels ELSE '[]'::jsonb END
    ) WITH ORDINALITY AS c(level, idx)
    WHERE c.level ~ '^[0-9]+$'
      AND (CAST(:since AS timestamptz) IS NULL OR r.submitted_at >= CAST(:since AS timestamptz))
      AND (CAST(:until AS timestamptz) IS NULL OR r.submitted_at < CAST(:until AS timestamptz))
)
SELECT x.reviewer_id, x.level AS mine, y.level AS other, count(*) AS n
FROM l x JOIN l y ON y.item_id = x.item_id AND y.idx = x.idx AND y.reviewer_id <> x.reviewer_id
GROUP BY x.reviewer_id, x.level, y.level
"""
)

FORMAT_SCORE = """coalesce(o.score_percent,
    CASE WHEN a.auto_max > 0 AND NOT a.needs_review THEN 100.0 * a.auto_score / a.auto_max END)"""

FORMATS = text(
    f"""
SELECT f.id, f.title, f.expiry_mode,
       count(a.id) AS started,
       count(a.id) FILTER (WHERE a.finalised_by = 'submit') AS submitted,
       count(a.id) FILTER (WHERE a.finalised_by IN ('deadline', 'sweeper')) AS expired,
       count(a.id) FILTER (WHERE a.state = 'in_progress') AS running,
       count(a.id) FILTER (WHERE a.state <> 'in_progress' AND NOT a.counted) AS not_counted,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (a.finished_at - a.started_at)))
           FILTER (WHERE a.finished_at IS NOT NULL) AS median_seconds,
       avg({FORMAT_SCORE}) FILTER (WHERE a.counted AND a.state <> 'in_progress') AS mean_score
FROM interview_format f
LEFT JOIN attempt a ON a.format_id = f.id
    AND (CAST(:since AS timestamptz) IS NULL OR a.started_at >= CAST(:since AS timestamptz))
    AND (CAST(:until AS timestamptz) IS NULL OR a.started_at < CAST(:until AS timestamptz))
LEFT JOIN review_outcome o ON o.attempt_id = a.id
WHERE CAST(:format_id AS uuid) IS NULL OR f.id = CAST(:format_id AS uuid)
GROUP BY f.id, f.title, f.expiry_mode
ORDER BY count(a.id) DESC, f.title
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# score distribution per format in 10 bins of 10 points
FORMAT_HISTOGRAM = text(
    f"""
SELECT a.format_id, LEAST(9, GREATEST(0, floor(({FORMAT_SCORE}) / 10)))::int AS bin, count(*) AS n
FROM attempt a LEFT JOIN review_outcome o ON o.attempt_id = a.id
WHERE a.counted AND a.state <> 'in_progress' AND ({FORMAT_SCORE}) IS NOT NULL
  AND (CAST(:format_id AS uuid) IS NULL OR a.format_id = CAST(:format_id AS uuid))
  AND (CAST(:since AS timestamptz) IS NULL OR a.started_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR a.started_at < CAST(:until AS timestamptz))
GROUP BY 1, 2
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

TOPIC_WEEKS = text(
    f"""
WITH {SCORED}
SELECT area.name AS area, t.name AS topic, date_trunc('week', s.finished_at) AS week,
       avg(s.frac) AS mean_score, count(DISTINCT s.attempt_id) AS attempts
FROM scored s JOIN question q ON q.id = s.question_id
JOIN question_version v ON v.id = q.current_version_id
JOIN topic t ON t.id = q.topic_id LEFT JOIN topic area ON area.id = t.parent_id
WHERE true {QUESTION_FILTER}
GROUP BY area.name, t.name, date_trunc('week', s.finished_at)
ORDER BY area.name, t.name, week
"""  # noqa: S608 - constant fragments only; values are bound parameters
)


@dataclass(frozen=True)
class Filters:
    topic_id: int | None = None
    tag: str | None = None
    kind: str | None = None
    format_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    question_id: uuid.UUID | None = None

    @property
    def until_day(self) -> str:
        """The last day included, as the filter form shows it (`until` is the day after)."""
        return (self.until - timedelta(days=1)).date().isoformat() if self.until else ""

    def params(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "topic_id": self.topic_id,
            "tag": self.tag,
            "kind": self.kind,
            "format_id": self.format_id,
            "since": self.since,
            "until": self.until,
        }


async def rows(session: AsyncSession, statement: Any, params: dict[str, Any]) -> list[Any]:
    return list((await session.execute(statement, params)).all())
