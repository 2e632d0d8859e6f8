"""an_question_total: per-question totals of the analytics summaries (issue 18, the cold page)

The unfiltered question table read the day-level summaries, time bins and misconception weeks
of every question on each page load the cache did not hold (~100 ms of Postgres at 100,000
attempts, beside the candidates' autosaves). The refresher now keeps one row per question with
those sums, the time histogram and the misconception counts; this fills it for existing data.

Revision ID: 5e8c1f3a9d72
Revises: cb377368fff9
Create Date: 2026-11-29 22:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5e8c1f3a9d72"
down_revision: str | None = "cb377368fff9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (a migration is history): app/analytics/refresh.py ADD_TOTALS, for every question.
BACKFILL = """
WITH d AS (
    SELECT question_id, sum(n) AS used, sum(n_scored) AS scored, sum(s_f) AS sf, sum(s_f2) AS sf2,
           sum(s_r) AS sr, sum(s_r2) AS sr2, sum(s_fr) AS sfr, sum(s_secs) AS secs,
           sum(n_unanswered) AS unanswered, sum(s_spread) AS spread, sum(n_spread) AS double_reviewed
    FROM an_question_day GROUP BY question_id
),
tb AS (
    SELECT question_id, array_agg(bin ORDER BY bin) AS bins, array_agg(CAST(n AS int) ORDER BY bin) AS counts
    FROM (SELECT question_id, bin, sum(n) AS n FROM an_time_bin GROUP BY question_id, bin) AS x
    GROUP BY question_id
),
mc AS (
    SELECT question_id, array_agg(code ORDER BY n DESC, code) AS codes,
           array_agg(CAST(n AS int) ORDER BY n DESC, code) AS counts
    FROM (SELECT question_id, code, sum(n) AS n FROM an_misconception_week GROUP BY question_id, code) AS x
    GROUP BY question_id
)
INSERT INTO an_question_total (question_id, used, scored, sf, sf2, sr, sr2, sfr, secs, unanswered, spread,
                               double_reviewed, time_bins, time_counts, misconception_codes,
                               misconception_counts)
SELECT d.question_id, d.used, d.scored, d.sf, d.sf2, d.sr, d.sr2, d.sfr, d.secs, d.unanswered, d.spread,
       d.double_reviewed, coalesce(tb.bins, '{}'), coalesce(tb.counts, '{}'), coalesce(mc.codes, '{}'),
       coalesce(mc.counts, '{}')
FROM d LEFT JOIN tb ON tb.question_id = d.question_id LEFT JOIN mc ON mc.question_id = d.question_id
"""


def upgrade() -> None:
    op.create_table(
        "an_question_total",
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("sf", sa.Float(), nullable=False),
        sa.Column("sf2", sa.Float(), nullable=False),
        sa.Column("sr", sa.Float(), nullable=False),
        sa.Column("sr2", sa.Float(), nullable=False),
        sa.Column("sfr", sa.Float(), nullable=False),
        sa.Column("secs", sa.Float(), nullable=False),
        sa.Column("unanswered", sa.Integer(), nullable=False),
        sa.Column("spread", sa.Float(), nullable=False),
        sa.Column("double_reviewed", sa.Integer(), nullable=False),
        sa.Column("time_bins", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("time_counts", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("misconception_codes", postgresql.ARRAY(sa.String(length=63)), nullable=False),
        sa.Column("misconception_counts", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.PrimaryKeyConstraint("question_id", name=op.f("pk_an_question_total")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("an_question_total")
