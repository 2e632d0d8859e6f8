"""The analytics queries. Pages read the summaries the refresher maintains (refresh.py), so a
page costs a constant number of queries whose work grows with questions × days, not answers.

Filters on the attempt (format, date range by the day the attempt finished) choose the
summary rows; filters on the question (topic, tag, kind) choose which questions are reported —
an attempt's total (the "rest" score) always includes all its items.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

DAY_FILTER = """
      AND (CAST(:format_id AS uuid) IS NULL OR {t}.format_id = CAST(:format_id AS uuid))
      AND (CAST(:since AS date) IS NULL OR {t}.day >= CAST(:since AS date))
      AND (CAST(:until AS date) IS NULL OR {t}.day <= CAST(:until AS date))
"""

QUESTION_FILTER = """
      AND (CAST(:topic_id AS int) IS NULL OR t.id = CAST(:topic_id AS int) OR t.parent_id = CAST(:topic_id AS int))
      AND (CAST(:tag AS text) IS NULL OR CAST(:tag AS text) = ANY(v.tags))
      AND (CAST(:kind AS text) IS NULL OR v.kind = CAST(:kind AS text))
      AND (CAST(:question_id AS uuid) IS NULL OR q.id = CAST(:question_id AS uuid))
"""

# Pearson's r from sums over the n pairs (item score, rest score); NULL below 3 pairs or without variance.
CORR = """CASE WHEN {n} >= 3
     AND {n} * {sf2} - {sf} * {sf} > 1e-9 AND {n} * {sr2} - {sr} * {sr} > 1e-9
     THEN ({n} * {sfr} - {sf} * {sr}) / sqrt(({n} * {sf2} - {sf} * {sf}) * ({n} * {sr2} - {sr} * {sr})) END"""

SUMS = """sum(d.n) AS used, sum(d.n_scored) AS scored, sum(d.s_f) AS sf, sum(d.s_f2) AS sf2, sum(d.s_r) AS sr,
       sum(d.s_r2) AS sr2, sum(d.s_fr) AS sfr, sum(d.s_secs) AS secs, sum(d.n_unanswered) AS unanswered,
       sum(d.s_spread) AS spread, sum(d.n_spread) AS double_reviewed"""

FIGURES = (
    """b.used, b.scored, b.sf / nullif(b.scored, 0) AS facility,
       """
    + CORR.format(n="b.scored", sf="b.sf", sf2="b.sf2", sr="b.sr", sr2="b.sr2", sfr="b.sfr")
    + """ AS discrimination,
       b.secs / nullif(b.used, 0) AS mean_seconds, CAST(b.unanswered AS float) / nullif(b.used, 0) AS unanswered,
       b.spread / nullif(b.double_reviewed, 0) AS spread, b.double_reviewed"""
)

QUESTIONS = text(
    f"""
WITH b AS (
    SELECT d.question_id, {SUMS}
    FROM an_question_day d WHERE true {DAY_FILTER.format(t="d")}
    GROUP BY d.question_id
)
SELECT q.id, q.external_id, v.title, v.kind, t.name AS topic, {FIGURES}
FROM b JOIN question q ON q.id = b.question_id
JOIN question_version v ON v.id = q.current_version_id
JOIN topic t ON t.id = q.topic_id
WHERE true {QUESTION_FILTER}
ORDER BY b.used DESC, v.title
LIMIT :limit
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# Without a format or date filter the question table is one indexed read of the per-question
# totals the refresher keeps (an_question_total: the same sums as `b` above, with the time
# histogram and misconception counts as arrays), so a page the cache does not hold costs little.
QUESTION_TOTALS = text(
    f"""
SELECT q.id, q.external_id, v.title, v.kind, t.name AS topic, {FIGURES},
       b.time_bins, b.time_counts, b.misconception_codes, b.misconception_counts
FROM an_question_total b JOIN question q ON q.id = b.question_id
JOIN question_version v ON v.id = q.current_version_id
JOIN topic t ON t.id = q.topic_id
WHERE true {QUESTION_FILTER}
ORDER BY b.used DESC, v.title
LIMIT :limit
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# Time bins and misconception counts are kept per week: the date filter applies to them by the
# week the day falls in.
WEEK_FILTER = """
      AND (CAST(:format_id AS uuid) IS NULL OR x.format_id = CAST(:format_id AS uuid))
      AND (CAST(:since AS date) IS NULL OR x.week >= CAST(date_trunc('week', CAST(:since AS date)) AS date))
      AND (CAST(:until AS date) IS NULL OR x.week <= CAST(:until AS date))
"""


def _week_counts(table: str, column: str, *, order: str = "") -> TextClause:
    """Per question (of the question filter) and `column`, the counts of a weekly summary."""
    return text(
        f"""
SELECT x.question_id, x.{column}, sum(x.n) AS n
FROM {table} x JOIN question q ON q.id = x.question_id
JOIN question_version v ON v.id = q.current_version_id JOIN topic t ON t.id = q.topic_id
WHERE true {WEEK_FILTER} {QUESTION_FILTER}
GROUP BY x.question_id, x.{column}
{order}
"""  # noqa: S608 - constant fragments only; values are bound parameters
    )


TIME_BINS = _week_counts("an_time_bin", "bin")
MISCONCEPTIONS = _week_counts(
    "an_misconception_week", "code", order="ORDER BY x.question_id, sum(x.n) DESC, x.code"
)

QUESTION_VERSIONS = text(
    f"""
WITH b AS (
    SELECT d.version_id, {SUMS}
    FROM an_question_day d WHERE d.question_id = :question_id {DAY_FILTER.format(t="d")}
    GROUP BY d.version_id
)
SELECT v.number AS version, {FIGURES}
FROM b JOIN question_version v ON v.id = b.version_id
ORDER BY v.number
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# one question's answers (an index on question_id keeps this to that question's rows)
QUESTION_ANSWERS = text(
    f"""
SELECT x.chosen, x.frac, x.rest, x.secs, x.unanswered
FROM an_item x WHERE x.question_id = :question_id {DAY_FILTER.format(t="x")}
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# Live interviews (issue 20): per question, format and day, how many counted live attempts drew
# it and in how many the interviewer gave a hint on it (the follow-up ladder's log, live_prompt).
# Read from the facts of live attempts only (a partial index on attempt.live), so its cost grows
# with live attempts, which each take a mentor's hour, not with all answers. It takes no
# parameters (the page's filters apply in Python to its few rows, service._with_live_hints):
# psycopg prepares a statement after five runs on a connection, and Postgres may then plan it
# once for any values; with the filters' "$1 IS NULL OR ..." unknown, that generic plan took them
# for selective and read every fact of every question to find the live ones (300,000 facts and
# 1.5 s per load at 30,000 attempts: the slow cold question pages of bench analytics).
LIVE_HINTS = text(
    """
SELECT x.question_id, x.format_id, x.day, count(*) AS live, count(*) FILTER (WHERE h.n > 0) AS hinted,
       coalesce(sum(h.n), 0) AS hints
FROM attempt a JOIN an_item x ON x.attempt_id = a.id
CROSS JOIN LATERAL (SELECT count(*) AS n FROM live_prompt p WHERE p.item_id = x.item_id AND p.kind = 'hint') h
WHERE a.live
GROUP BY x.question_id, x.format_id, x.day
"""
)

MENTOR_WEEK_FILTER = """
  AND (CAST(:since AS date) IS NULL OR x.week >= CAST(date_trunc('week', CAST(:since AS date)) AS date))
  AND (CAST(:until AS date) IS NULL OR x.week <= CAST(:until AS date))
"""

# Mentors' figures come from weekly summaries: the date filter applies by the week of submission.
MENTORS = text(
    f"""
SELECT u.id, u.display_name, b.reviews, b.severity, b.severity_n, b.helpful, b.rated
FROM (
    SELECT x.reviewer_id, sum(x.n) AS reviews, sum(x.severity_sum) / nullif(sum(x.severity_n), 0) AS severity,
           sum(x.severity_n) AS severity_n, CAST(sum(x.helpful) AS float) / nullif(sum(x.rated), 0) AS helpful,
           sum(x.rated) AS rated
    FROM an_reviewer_week x WHERE true {MENTOR_WEEK_FILTER}
    GROUP BY x.reviewer_id
) AS b JOIN app_user u ON u.id = b.reviewer_id
ORDER BY b.reviews DESC, u.display_name
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

TURNAROUND_BINS = text(
    f"""
SELECT x.reviewer_id, x.bin, sum(x.n) AS n FROM an_turnaround_bin x
WHERE true {MENTOR_WEEK_FILTER}
GROUP BY x.reviewer_id, x.bin
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# rubric levels two mentors gave the same criterion of the same answer: (mentor, mine, other, count)
LEVEL_PAIRS = text(
    f"""
SELECT x.reviewer_id, x.mine, x.other, sum(x.n) AS n
FROM an_level_pair_week x WHERE true {MENTOR_WEEK_FILTER}
GROUP BY x.reviewer_id, x.mine, x.other
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

FORMAT_SCORE = """coalesce(o.score_percent,
    CASE WHEN a.auto_max > 0 AND NOT a.needs_review THEN 100.0 * a.auto_score / a.auto_max END)"""
# anchor answers' stand-in attempts (app/reviews/anchors.py) were never taken by anyone: left out
STARTED_FILTER = """
    AND NOT EXISTS (SELECT 1 FROM anchor_presentation ap WHERE ap.attempt_id = a.id)
    AND (CAST(:since AS date) IS NULL OR CAST(timezone('UTC', a.started_at) AS date) >= CAST(:since AS date))
    AND (CAST(:until AS date) IS NULL OR CAST(timezone('UTC', a.started_at) AS date) <= CAST(:until AS date))
"""

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
LEFT JOIN attempt a ON a.format_id = f.id {STARTED_FILTER}
LEFT JOIN review_outcome o ON o.attempt_id = a.id
WHERE CAST(:format_id AS uuid) IS NULL OR f.id = CAST(:format_id AS uuid)
GROUP BY f.id, f.title, f.expiry_mode
ORDER BY count(a.id) DESC, f.title
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

# score distribution per format in 10 bins of 10 points
FORMAT_HISTOGRAM = text(
    f"""
SELECT a.format_id, CAST(LEAST(9, GREATEST(0, floor(({FORMAT_SCORE}) / 10))) AS int) AS bin, count(*) AS n
FROM attempt a LEFT JOIN review_outcome o ON o.attempt_id = a.id
WHERE a.counted AND a.state <> 'in_progress' AND ({FORMAT_SCORE}) IS NOT NULL
  AND (CAST(:format_id AS uuid) IS NULL OR a.format_id = CAST(:format_id AS uuid)) {STARTED_FILTER}
GROUP BY 1, 2
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

TOPIC_WEEKS = text(
    f"""
SELECT area.name AS area, t.name AS topic, CAST(date_trunc('week', d.day) AS date) AS week,
       sum(d.s_f) / nullif(sum(d.n_scored), 0) AS mean_score, sum(d.n) AS attempts
FROM an_question_day d JOIN question q ON q.id = d.question_id
JOIN question_version v ON v.id = q.current_version_id
JOIN topic t ON t.id = q.topic_id LEFT JOIN topic area ON area.id = t.parent_id
WHERE true {DAY_FILTER.format(t="d")} {QUESTION_FILTER}
GROUP BY area.name, t.name, date_trunc('week', d.day)
ORDER BY area.name, t.name, week
"""  # noqa: S608 - constant fragments only; values are bound parameters
)


@dataclass(frozen=True)
class Filters:
    topic_id: int | None = None
    tag: str | None = None
    kind: str | None = None
    format_id: uuid.UUID | None = None
    since: date | None = None  # first day included
    until: date | None = None  # last day included
    question_id: uuid.UUID | None = None

    @property
    def whole_history(self) -> bool:
        """No filter on the attempts (format, dates): the per-question totals answer it."""
        return self.format_id is None and self.since is None and self.until is None

    def takes(self, format_id: uuid.UUID, day: date) -> bool:
        """Whether facts of this format and day pass the format and date filters (DAY_FILTER)."""
        return (
            (self.format_id is None or format_id == self.format_id)
            and (self.since is None or day >= self.since)
            and (self.until is None or day <= self.until)
        )

    def params(self) -> dict[str, Any]:
        """Every filter by its name, as the statements bind them (`rows` passes those one names)."""
        return dict(vars(self))


_BINDS: dict[int, set[str]] = {}


async def rows(session: AsyncSession, statement: Any, params: dict[str, Any]) -> list[Any]:
    """The statement's rows, given only the parameters it names."""
    keys = _BINDS.get(id(statement))
    if keys is None:
        keys = _BINDS[id(statement)] = set(statement.compile().params)
    return list((await session.execute(statement, {k: v for k, v in params.items() if k in keys})).all())
