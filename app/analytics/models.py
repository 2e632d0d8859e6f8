"""Analytics facts and summaries, maintained incrementally (app/analytics/refresh.py).

Triggers (in the migration) queue an attempt in `analytics_dirty` when it is finalised, when a
review of it is submitted and when its feedback is rated; the refresher recomputes that
attempt's facts and the summary rows they touch. Pages read the summaries, so their cost does
not grow with the number of answers. Everything here can be rebuilt from the source tables.
"""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class _QuestionWeek:
    """The key of a weekly summary per question and format (`week`: its Monday), its first columns."""

    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-1)
    format_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-1)
    week: Mapped[date] = mapped_column(sa.Date, primary_key=True, sort_order=-1)


class _ReviewerWeek:
    """The key of a weekly summary per mentor (`week`: the Monday of the submissions), its first columns."""

    reviewer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-1)
    week: Mapped[date] = mapped_column(sa.Date, primary_key=True, sort_order=-1)


class AnalyticsDirty(Base):
    """Attempts whose analytics facts must be recomputed (filled by triggers)."""

    __tablename__ = "analytics_dirty"

    attempt_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class AnItem(Base):
    """One answered (or not) item of a finalised attempt that counts: its score and context."""

    __tablename__ = "an_item"
    __table_args__ = (sa.Index("ix_an_item_question", "question_id", "format_id", "day"),)

    item_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    attempt_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[uuid.UUID] = mapped_column()
    version_id: Mapped[uuid.UUID] = mapped_column()
    format_id: Mapped[uuid.UUID] = mapped_column()
    day: Mapped[date] = mapped_column(sa.Date)
    frac: Mapped[float | None] = mapped_column(sa.Float)  # 0..1; None until scored
    rest: Mapped[float | None] = mapped_column(sa.Float)  # the attempt's total without this item
    secs: Mapped[float] = mapped_column(sa.Float)
    unanswered: Mapped[bool] = mapped_column(sa.Boolean)
    spread: Mapped[float | None] = mapped_column(sa.Float)  # max − min of reviewers' fractions (2+ reviews)
    chosen: Mapped[list[int] | None] = mapped_column(ARRAY(sa.Integer))


class AnQuestionDay(Base):
    """Sufficient statistics per question version, format and day (sums, so they add up)."""

    __tablename__ = "an_question_day"

    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    format_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = mapped_column(sa.Integer)
    n_scored: Mapped[int] = mapped_column(sa.Integer)
    s_f: Mapped[float] = mapped_column(sa.Float)
    s_f2: Mapped[float] = mapped_column(sa.Float)
    s_r: Mapped[float] = mapped_column(sa.Float)
    s_r2: Mapped[float] = mapped_column(sa.Float)
    s_fr: Mapped[float] = mapped_column(sa.Float)
    s_secs: Mapped[float] = mapped_column(sa.Float)
    n_unanswered: Mapped[int] = mapped_column(sa.Integer)
    s_spread: Mapped[float] = mapped_column(sa.Float)
    n_spread: Mapped[int] = mapped_column(sa.Integer)


class AnQuestionTotal(Base):
    """Per question, over all days, formats and versions: the sums of its `an_question_day` rows,
    its time histogram and its misconception counts — the unfiltered question table in one read.
    Rebuilt by the refresher for the questions a batch touched."""

    __tablename__ = "an_question_total"

    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    used: Mapped[int] = mapped_column(sa.Integer)
    scored: Mapped[int] = mapped_column(sa.Integer)
    sf: Mapped[float] = mapped_column(sa.Float)
    sf2: Mapped[float] = mapped_column(sa.Float)
    sr: Mapped[float] = mapped_column(sa.Float)
    sr2: Mapped[float] = mapped_column(sa.Float)
    sfr: Mapped[float] = mapped_column(sa.Float)
    secs: Mapped[float] = mapped_column(sa.Float)
    unanswered: Mapped[int] = mapped_column(sa.Integer)
    spread: Mapped[float] = mapped_column(sa.Float)
    double_reviewed: Mapped[int] = mapped_column(sa.Integer)
    # the time histogram (refresh.TIME_BIN) as two parallel arrays: bins with a count, and the counts
    time_bins: Mapped[list[int]] = mapped_column(ARRAY(sa.SmallInteger))
    time_counts: Mapped[list[int]] = mapped_column(ARRAY(sa.Integer))
    # misconceptions, most frequent first (then by code), and how often each was tagged
    misconception_codes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(63)))
    misconception_counts: Mapped[list[int]] = mapped_column(ARRAY(sa.Integer))


class AnTimeBin(_QuestionWeek, Base):
    """Time on question as a histogram per question, format and week (medians, to the week)."""

    __tablename__ = "an_time_bin"

    bin: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(sa.Integer)


class AnMisconception(Base):
    """A misconception a mentor tagged on an answer."""

    __tablename__ = "an_misconception"
    __table_args__ = (sa.Index("ix_an_misconception_question", "question_id", "format_id", "day"),)

    item_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reviewer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    attempt_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[uuid.UUID] = mapped_column()
    format_id: Mapped[uuid.UUID] = mapped_column()
    day: Mapped[date] = mapped_column(sa.Date)


class AnMisconceptionWeek(_QuestionWeek, Base):
    """How often each misconception was tagged per question, format and week."""

    __tablename__ = "an_misconception_week"

    code: Mapped[str] = mapped_column(sa.String(63), primary_key=True)
    n: Mapped[int] = mapped_column(sa.Integer)


class AnReview(Base):
    """One submitted review: turnaround, severity against co-reviewers, the candidate's rating."""

    __tablename__ = "an_review"
    __table_args__ = (sa.Index("ix_an_review_reviewer_day", "reviewer_id", "day"),)

    review_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    attempt_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[uuid.UUID] = mapped_column()
    day: Mapped[date] = mapped_column(sa.Date)
    turnaround_s: Mapped[float | None] = mapped_column(sa.Float)
    severity_sum: Mapped[float] = mapped_column(sa.Float)
    severity_n: Mapped[int] = mapped_column(sa.Integer)
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)


class AnLevelPair(Base):
    """Rubric levels two mentors gave the same criterion of the same answer, counted per attempt."""

    __tablename__ = "an_level_pair"
    __table_args__ = (sa.Index("ix_an_level_pair_reviewer_day", "reviewer_id", "day"),)

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    reviewer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mine: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    other: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date)
    n: Mapped[int] = mapped_column(sa.Integer)


class AnReviewerWeek(_ReviewerWeek, Base):
    """Per mentor and week (of submission): reviews, severity sums, candidates' ratings."""

    __tablename__ = "an_reviewer_week"

    n: Mapped[int] = mapped_column(sa.Integer)
    severity_sum: Mapped[float] = mapped_column(sa.Float)
    severity_n: Mapped[int] = mapped_column(sa.Integer)
    rated: Mapped[int] = mapped_column(sa.Integer)
    helpful: Mapped[int] = mapped_column(sa.Integer)


class AnTurnaroundBin(_ReviewerWeek, Base):
    """Review turnaround as a histogram per mentor and week (for the median)."""

    __tablename__ = "an_turnaround_bin"

    bin: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(sa.Integer)


class AnLevelPairWeek(_ReviewerWeek, Base):
    """Level pairs per mentor and week (Krippendorff's coincidences)."""

    __tablename__ = "an_level_pair_week"

    mine: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    other: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    n: Mapped[int] = mapped_column(sa.Integer)


class AnalyticsGeneration(Base):
    """One row whose token changes (a new random UUID) in every refresh that changed the summaries.

    Page caches (cache.py) key on it: a rolled-back refresh leaves it as it was, a committed one is
    seen by every process, and a random token is never reused (not even by a rolled-back test).
    """

    __tablename__ = "analytics_generation"

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    token: Mapped[uuid.UUID] = mapped_column()
