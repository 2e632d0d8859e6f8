"""The analytics refresher: recompute the facts of queued attempts and the summary rows they touch.

Triggers queue an attempt (analytics_dirty) when it is finalised, reviewed or rated. `refresh`
takes a batch (SKIP LOCKED, so two processes never take the same attempts), replaces those
attempts' facts, and rebuilds every summary row whose key (question, version, format, day) the
old or new facts touch — from the facts, not by adding deltas, so summaries cannot drift.
It runs in the sweeper (every few seconds, one process at a time) and in `mlmock sweep`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.questions import kinds

TAKE = text(
    """
DELETE FROM analytics_dirty WHERE attempt_id IN (
    SELECT attempt_id FROM analytics_dirty ORDER BY attempt_id LIMIT :batch FOR UPDATE SKIP LOCKED)
RETURNING attempt_id
"""
)

# The summary keys (question, version, format, day) a batch touches come back once each: a
# rebuild of every attempt deletes and inserts a million facts but touches some 25,000 keys.
DROP_ITEMS = text(
    """
WITH gone AS (
    DELETE FROM an_item WHERE attempt_id = ANY(CAST(:ids AS uuid[]))
    RETURNING question_id, version_id, format_id, day
)
SELECT DISTINCT question_id, version_id, format_id, day FROM gone
"""
)

UNANSWERED = """(ans.item_id IS NULL OR coalesce(
    nullif(btrim(ans.value->>'text'), ''), nullif(btrim(ans.value->>'number'), ''), ans.value->>'choice',
    CASE WHEN jsonb_typeof(ans.value->'choices') = 'array' AND jsonb_array_length(ans.value->'choices') > 0
         THEN 'x' END) IS NULL)"""

# An item's score: the mean of the submitted reviews' fractions when mentors reviewed it (their
# verdict, overrides included), otherwise the automatic score of an objective item.
ADD_ITEMS = text(
    f"""
WITH rv AS (
    SELECT ri.item_id, avg(ri.fraction) AS f, max(ri.fraction) - min(ri.fraction) AS spread, count(*) AS n
    FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
    WHERE r.attempt_id = ANY(CAST(:ids AS uuid[]))
    GROUP BY ri.item_id
),
s AS (
    SELECT i.id AS item_id, i.attempt_id, i.question_id, i.version_id, a.format_id,
           CAST(timezone('UTC', a.finished_at) AS date) AS day,
           CASE WHEN rv.n > 0 THEN rv.f
                WHEN i.kind <> ALL(CAST(:mentor_graded AS text[])) AND i.max_points > 0
                THEN i.score / i.max_points END AS frac,
           i.time_spent_seconds AS secs,
           {UNANSWERED} AS unanswered,
           CASE WHEN rv.n >= 2 THEN rv.spread END AS spread,
           CASE WHEN jsonb_typeof(ans.value->'choice') = 'number' THEN ARRAY[CAST(ans.value->>'choice' AS int)]
                WHEN jsonb_typeof(ans.value->'choices') = 'array' THEN ARRAY(
                    SELECT CAST(x AS int) FROM jsonb_array_elements_text(ans.value->'choices') AS x
                    WHERE x ~ '^[0-9]{{1,6}}$')
           END AS chosen
    FROM attempt a JOIN attempt_item i ON i.attempt_id = a.id
    LEFT JOIN answer ans ON ans.item_id = i.id
    LEFT JOIN rv ON rv.item_id = i.id
    WHERE a.id = ANY(CAST(:ids AS uuid[])) AND a.state <> 'in_progress' AND a.counted
      AND a.finished_at IS NOT NULL
),
t AS (SELECT attempt_id, sum(frac) AS total FROM s GROUP BY attempt_id),
added AS (
INSERT INTO an_item (item_id, attempt_id, question_id, version_id, format_id, day, frac, rest, secs,
                     unanswered, spread, chosen)
SELECT s.item_id, s.attempt_id, s.question_id, s.version_id, s.format_id, s.day, s.frac,
       t.total - s.frac, s.secs, s.unanswered, s.spread, s.chosen
FROM s JOIN t ON t.attempt_id = s.attempt_id
RETURNING question_id, version_id, format_id, day
)
SELECT DISTINCT question_id, version_id, format_id, day FROM added
"""  # noqa: S608 - constant fragments only; values are bound parameters
).bindparams(mentor_graded=kinds.mentor_graded())

KEYS = """unnest(CAST(:q AS uuid[]), CAST(:v AS uuid[]), CAST(:f AS uuid[]), CAST(:d AS date[]))
    AS k(question_id, version_id, format_id, day)"""

DROP_DAYS = text(
    f"""
DELETE FROM an_question_day x USING {KEYS}
WHERE x.question_id = k.question_id AND x.version_id = k.version_id AND x.format_id = k.format_id
  AND x.day = k.day
"""  # noqa: S608 - constant fragments only
)

ADD_DAYS = text(
    f"""
INSERT INTO an_question_day (question_id, version_id, format_id, day, n, n_scored, s_f, s_f2, s_r, s_r2,
                             s_fr, s_secs, n_unanswered, s_spread, n_spread)
SELECT x.question_id, x.version_id, x.format_id, x.day, count(*), count(x.frac),
       coalesce(sum(x.frac), 0), coalesce(sum(x.frac * x.frac), 0),
       coalesce(sum(x.rest) FILTER (WHERE x.frac IS NOT NULL), 0),
       coalesce(sum(x.rest * x.rest) FILTER (WHERE x.frac IS NOT NULL), 0),
       coalesce(sum(x.frac * x.rest), 0), coalesce(sum(x.secs), 0),
       count(*) FILTER (WHERE x.unanswered), coalesce(sum(x.spread), 0), count(x.spread)
FROM an_item x JOIN (SELECT DISTINCT * FROM {KEYS}) AS kk
  ON x.question_id = kk.question_id AND x.version_id = kk.version_id AND x.format_id = kk.format_id
 AND x.day = kk.day
GROUP BY x.question_id, x.version_id, x.format_id, x.day
"""  # noqa: S608 - constant fragments only
)

# time bins: 30 s wide up to 10 minutes (bins 0–19), then 2 minutes wide up to 70 minutes (20–49)
TIME_BIN = (
    "CASE WHEN x.secs < 600 THEN floor(x.secs / 30) ELSE 20 + least(29, floor((x.secs - 600) / 120)) END"
)
WEEK = "CAST(date_trunc('week', {}) AS date)"
WEEK_KEYS = f"""(SELECT DISTINCT k.question_id, k.format_id, {WEEK.format("k.day")} AS week FROM {KEYS})"""  # noqa: S608 - constant fragments only


def _question_weeks(table: str, column: str, *, value: str, source: str) -> list[TextClause]:
    """Recount the weeks the batch touched of a weekly summary per question and format: delete its
    rows, then count the rows of `source` in those weeks per `value` (stored in `column`)."""
    return [
        text(
            f"""
DELETE FROM {table} x USING {WEEK_KEYS} AS kk
WHERE x.question_id = kk.question_id AND x.format_id = kk.format_id AND x.week = kk.week
"""  # noqa: S608 - constant fragments only
        ),
        text(
            f"""
INSERT INTO {table} (question_id, format_id, week, {column}, n)
SELECT x.question_id, x.format_id, kk.week, {value}, count(*)
FROM {WEEK_KEYS} AS kk JOIN {source} x
  ON x.question_id = kk.question_id AND x.format_id = kk.format_id
 AND x.day >= kk.week AND x.day < kk.week + 7
GROUP BY x.question_id, x.format_id, kk.week, 4
"""  # noqa: S608 - constant fragments only
        ),
    ]


REPLACE_TIMES = _question_weeks("an_time_bin", "bin", value=f"CAST({TIME_BIN} AS smallint)", source="an_item")
REPLACE_MISCONCEPTION_WEEKS = _question_weeks(
    "an_misconception_week", "code", value="x.code", source="an_misconception"
)


REPLACE_MISCONCEPTIONS = [
    text("DELETE FROM an_misconception WHERE attempt_id = ANY(CAST(:ids AS uuid[]))"),
    text(
        """
INSERT INTO an_misconception (item_id, reviewer_id, code, attempt_id, question_id, format_id, day)
SELECT DISTINCT ri.item_id, r.reviewer_id, left(m.code, 63), a.id, i.question_id, a.format_id,
       CAST(timezone('UTC', a.finished_at) AS date)
FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
JOIN attempt_item i ON i.id = ri.item_id JOIN attempt a ON a.id = i.attempt_id
CROSS JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(ri.misconceptions) = 'array' THEN ri.misconceptions ELSE '[]'::jsonb END) AS m(code)
WHERE a.id = ANY(CAST(:ids AS uuid[])) AND a.counted AND a.finished_at IS NOT NULL
  AND r.attempt_id = ANY(CAST(:ids AS uuid[]))  -- the same reviews (of these attempts), found by their index
"""
    ),
]


def _drop_mentor_facts(table: str) -> TextClause:
    """Delete the batch's rows of a per-mentor fact table; the (reviewer_id, day) keys they counted in."""
    return text(
        f"""
WITH gone AS (DELETE FROM {table} WHERE attempt_id = ANY(CAST(:ids AS uuid[])) RETURNING reviewer_id, day)
SELECT DISTINCT reviewer_id, day FROM gone
"""  # noqa: S608 - constant fragments only
    )


REPLACE_REVIEWS = [
    _drop_mentor_facts("an_review"),
    text(
        """
WITH f AS (
    SELECT ri.item_id, r.id AS review_id, ri.fraction
    FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
    WHERE r.attempt_id = ANY(CAST(:ids AS uuid[]))
),
m AS (SELECT item_id, sum(fraction) AS s, count(*) AS n FROM f GROUP BY item_id HAVING count(*) >= 2),
sev AS (
    SELECT f.review_id, sum(f.fraction - (m.s - f.fraction) / (m.n - 1)) AS total, count(*) AS n
    FROM f JOIN m ON m.item_id = f.item_id GROUP BY f.review_id
),
added AS (
INSERT INTO an_review (review_id, attempt_id, reviewer_id, day, turnaround_s, severity_sum, severity_n, rating)
SELECT r.id, r.attempt_id, r.reviewer_id, CAST(timezone('UTC', r.submitted_at) AS date),
       EXTRACT(EPOCH FROM (r.submitted_at - a.finished_at)), coalesce(sev.total, 0), coalesce(sev.n, 0),
       fr.rating
FROM review r JOIN attempt a ON a.id = r.attempt_id
LEFT JOIN sev ON sev.review_id = r.id
LEFT JOIN feedback_rating fr ON fr.attempt_id = r.attempt_id
WHERE r.attempt_id = ANY(CAST(:ids AS uuid[])) AND r.status = 'submitted' AND r.submitted_at IS NOT NULL
  AND a.counted  -- an anchor's stand-in attempt (app/reviews/anchors.py) is no real review's
RETURNING reviewer_id, day
)
SELECT DISTINCT reviewer_id, day FROM added
"""
    ),
]

REPLACE_LEVEL_PAIRS = [
    _drop_mentor_facts("an_level_pair"),
    text(
        """
WITH l AS (
    SELECT ri.item_id, r.attempt_id, r.reviewer_id, r.submitted_at, c.idx, CAST(c.level AS int) AS level
    FROM review_item ri JOIN review r ON r.id = ri.review_id AND r.status = 'submitted'
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(ri.levels) = 'array' THEN ri.levels ELSE '[]'::jsonb END
    ) WITH ORDINALITY AS c(level, idx)
    WHERE r.attempt_id = ANY(CAST(:ids AS uuid[])) AND c.level ~ '^[0-9]{1,4}$'
),
added AS (
INSERT INTO an_level_pair (attempt_id, reviewer_id, mine, other, day, n)
SELECT x.attempt_id, x.reviewer_id, x.level, y.level, CAST(timezone('UTC', max(x.submitted_at)) AS date),
       count(*)
FROM l x JOIN l y ON y.item_id = x.item_id AND y.idx = x.idx AND y.reviewer_id <> x.reviewer_id
GROUP BY x.attempt_id, x.reviewer_id, x.level, y.level
RETURNING reviewer_id, day
)
SELECT DISTINCT reviewer_id, day FROM added
"""
    ),
]

# mentors' weekly summaries, rebuilt for the (mentor, week) keys a batch touched
REVIEWER_KEYS = """(SELECT DISTINCT k.reviewer_id, CAST(date_trunc('week', k.day) AS date) AS week
    FROM unnest(CAST(:r AS uuid[]), CAST(:d AS date[])) AS k(reviewer_id, day))"""
# turnaround bins: 1 hour wide up to 48 hours (0–47), 6 hours wide up to 8 days (48–71), then 72
TURNAROUND_BIN = """CASE WHEN x.turnaround_s < 48 * 3600 THEN floor(x.turnaround_s / 3600)
    WHEN x.turnaround_s < 8 * 86400 THEN 48 + floor((x.turnaround_s - 48 * 3600) / 21600) ELSE 72 END"""
MATCH = "x.reviewer_id = kk.reviewer_id AND x.day >= kk.week AND x.day < kk.week + 7"

REVIEWER_WEEKS = [
    text(
        f"""DELETE FROM an_reviewer_week x USING {REVIEWER_KEYS} AS kk
WHERE x.reviewer_id = kk.reviewer_id AND x.week = kk.week"""  # noqa: S608 - constant fragments only
    ),
    text(
        f"""
INSERT INTO an_reviewer_week (reviewer_id, week, n, severity_sum, severity_n, rated, helpful)
SELECT x.reviewer_id, kk.week, count(*), sum(x.severity_sum), sum(x.severity_n), count(x.rating),
       count(*) FILTER (WHERE x.rating >= 4)
FROM {REVIEWER_KEYS} AS kk JOIN an_review x ON {MATCH}
GROUP BY x.reviewer_id, kk.week
"""  # noqa: S608 - constant fragments only
    ),
    text(
        f"""DELETE FROM an_turnaround_bin x USING {REVIEWER_KEYS} AS kk
WHERE x.reviewer_id = kk.reviewer_id AND x.week = kk.week"""  # noqa: S608 - constant fragments only
    ),
    text(
        f"""
INSERT INTO an_turnaround_bin (reviewer_id, week, bin, n)
SELECT x.reviewer_id, kk.week, CAST({TURNAROUND_BIN} AS smallint), count(*)
FROM {REVIEWER_KEYS} AS kk JOIN an_review x ON {MATCH}
WHERE x.turnaround_s IS NOT NULL
GROUP BY x.reviewer_id, kk.week, 3
"""  # noqa: S608 - constant fragments only
    ),
    text(
        f"""DELETE FROM an_level_pair_week x USING {REVIEWER_KEYS} AS kk
WHERE x.reviewer_id = kk.reviewer_id AND x.week = kk.week"""  # noqa: S608 - constant fragments only
    ),
    text(
        f"""
INSERT INTO an_level_pair_week (reviewer_id, week, mine, other, n)
SELECT x.reviewer_id, kk.week, x.mine, x.other, sum(x.n)
FROM {REVIEWER_KEYS} AS kk JOIN an_level_pair x ON {MATCH}
GROUP BY x.reviewer_id, kk.week, x.mine, x.other
"""  # noqa: S608 - constant fragments only
    ),
]

# The per-question totals (the unfiltered question table, repository.QUESTION_TOTALS) of the
# questions a batch touched, rebuilt from their summary rows: the same sums the day-level query
# takes, read once per refresh instead of once per page load.
THESE_QUESTIONS = "question_id = ANY(CAST(:qs AS uuid[]))"
DROP_TOTALS = text(f"DELETE FROM an_question_total WHERE {THESE_QUESTIONS}")  # noqa: S608 - constants only
ADD_TOTALS = text(
    f"""
WITH d AS (
    SELECT question_id, sum(n) AS used, sum(n_scored) AS scored, sum(s_f) AS sf, sum(s_f2) AS sf2,
           sum(s_r) AS sr, sum(s_r2) AS sr2, sum(s_fr) AS sfr, sum(s_secs) AS secs,
           sum(n_unanswered) AS unanswered, sum(s_spread) AS spread, sum(n_spread) AS double_reviewed
    FROM an_question_day WHERE {THESE_QUESTIONS}
    GROUP BY question_id
),
tb AS (
    SELECT question_id, array_agg(bin ORDER BY bin) AS bins, array_agg(CAST(n AS int) ORDER BY bin) AS counts
    FROM (SELECT question_id, bin, sum(n) AS n FROM an_time_bin WHERE {THESE_QUESTIONS}
          GROUP BY question_id, bin) AS x
    GROUP BY question_id
),
mc AS (
    SELECT question_id, array_agg(code ORDER BY n DESC, code) AS codes,
           array_agg(CAST(n AS int) ORDER BY n DESC, code) AS counts
    FROM (SELECT question_id, code, sum(n) AS n FROM an_misconception_week WHERE {THESE_QUESTIONS}
          GROUP BY question_id, code) AS x
    GROUP BY question_id
)
INSERT INTO an_question_total (question_id, used, scored, sf, sf2, sr, sr2, sfr, secs, unanswered, spread,
                               double_reviewed, time_bins, time_counts, misconception_codes,
                               misconception_counts)
SELECT d.question_id, d.used, d.scored, d.sf, d.sf2, d.sr, d.sr2, d.sfr, d.secs, d.unanswered, d.spread,
       d.double_reviewed, coalesce(tb.bins, '{{}}'), coalesce(tb.counts, '{{}}'), coalesce(mc.codes, '{{}}'),
       coalesce(mc.counts, '{{}}')
FROM d LEFT JOIN tb ON tb.question_id = d.question_id LEFT JOIN mc ON mc.question_id = d.question_id
"""  # noqa: S608 - constant fragments only; values are bound parameters
)

BACKLOG = text("SELECT count(*) FROM analytics_dirty")

# A new generation for the page caches (cache.py), in the refresh's own transaction.
NEW_GENERATION = text(
    """
INSERT INTO analytics_generation (id, token) VALUES (1, gen_random_uuid())
ON CONFLICT (id) DO UPDATE SET token = excluded.token
"""
)


# One refresher at a time across processes: two rebuilding the same summary row from different
# snapshots could each miss the other's facts. Released with the transaction.
LOCK_KEY = 0x6D6C616E616C  # "mlanal"
TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)")


async def refresh(session: AsyncSession, *, batch: int | None = 1_000) -> int:
    """Recompute up to `batch` queued attempts (None: all of them, in one pass); returns how many
    were taken (0 if another process is at it)."""
    if not (await session.execute(TRY_LOCK, {"key": LOCK_KEY})).scalar():
        return 0
    ids = [r[0] for r in (await session.execute(TAKE, {"batch": batch})).all()]
    if not ids:
        return 0
    p: dict[str, Any] = {"ids": ids}
    keys = {tuple(r) for r in (await session.execute(DROP_ITEMS, p)).all()}
    keys |= {tuple(r) for r in (await session.execute(ADD_ITEMS, p)).all()}
    for stmt in REPLACE_MISCONCEPTIONS:
        await session.execute(stmt, p)
    mentor_keys: set[tuple[Any, ...]] = set()
    for stmt in (*REPLACE_REVIEWS, *REPLACE_LEVEL_PAIRS):
        mentor_keys |= {tuple(r) for r in (await session.execute(stmt, p)).all()}
    if mentor_keys:
        r, d = (list(col) for col in zip(*sorted(mentor_keys, key=str), strict=True))
        for stmt in REVIEWER_WEEKS:
            await session.execute(stmt, {"r": r, "d": d})
    if keys:
        q, v, f, d = (list(col) for col in zip(*sorted(keys, key=str), strict=True))
        k = {"q": q, "v": v, "f": f, "d": d}
        for stmt in (DROP_DAYS, ADD_DAYS, *REPLACE_TIMES, *REPLACE_MISCONCEPTION_WEEKS):
            await session.execute(stmt, k)
        questions = {"qs": sorted(set(q), key=str)}
        await session.execute(DROP_TOTALS, questions)
        await session.execute(ADD_TOTALS, questions)
    await session.execute(NEW_GENERATION)
    return len(ids)


async def refresh_all(session: AsyncSession, *, batch: int | None = None) -> int:
    """Drain the queue (seeding, tests, `mlmock sweep`); returns the number of attempts.

    By default in one set-based pass: each statement reads the source tables once and each summary
    row is rebuilt once. Batches each scan the source tables again and rebuild every summary row
    their attempts touch, and attempts spread over weeks touch nearly all of them: 100,000 attempts
    5,000 at a time took 16 s a batch (twenty batches, growing) at load 7 on 2 cores; in one pass
    the whole queue takes 75-130 s there (37 s of Postgres CPU)."""
    total = 0
    while taken := await refresh(session, batch=batch):
        total += taken
    return total


async def backlog(session: AsyncSession) -> int:
    return int((await session.execute(BACKLOG)).scalar_one())


async def refresh_url(url: str) -> int:
    """`mlmock sweep`: drain the analytics queue against a database URL."""
    from app.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await refresh_all(session)
    finally:
        await engine.dispose()
