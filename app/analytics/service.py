"""Analytics read models: the SQL aggregates (repository.py) turned into tables and chart data."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import repository as repo
from app.analytics import stats
from app.analytics.repository import Filters
from app.errors import NotFound
from app.kit.readmodel import read_model
from app.questions.models import Question, QuestionVersion

QUESTION_LIMIT = 500
# the refresher's time bins (refresh.TIME_BIN): 30 s wide to 10 minutes, then 2 minutes wide to 70
# refresh.TURNAROUND_BIN in hours: 1 h wide to 48 h, 6 h wide to 8 days, then one bin to 30 days
TURNAROUND_EDGES_HOURS = [float(h) for h in range(49)] + [48.0 + 6 * i for i in range(1, 25)] + [720.0]
TIME_BIN_EDGES = [30.0 * i for i in range(21)] + [600.0 + 120.0 * i for i in range(1, 31)]


@dataclass
class QuestionStat:
    id: uuid.UUID
    external_id: str | None
    title: str
    kind: str
    topic: str
    used: int
    scored: int
    facility: float | None
    discrimination: float | None
    mean_seconds: float | None
    median_seconds: float | None
    unanswered: float | None
    spread: float | None
    double_reviewed: int
    misconceptions: list[tuple[str, int]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    # live interviews: attempts that drew it, those where the interviewer gave a hint, hints given
    live: int = 0
    live_hinted: int = 0
    live_hints: int = 0

    @property
    def hinted_share(self) -> float | None:
        return self.live_hinted / self.live if self.live else None


def _f(x: Any) -> float | None:
    return None if x is None else float(x)


async def question_table(session: AsyncSession, filters: Filters) -> list[QuestionStat]:
    """Per question: use, facility, discrimination, time, unanswered share, misconceptions, flags."""
    params = {**filters.params(), "limit": QUESTION_LIMIT}
    if filters.whole_history:  # one read of the refresher's per-question totals
        rows = await repo.rows(session, repo.QUESTION_TOTALS, params)
        out = await anyio.to_thread.run_sync(_totals_stats, rows)
    else:
        rows = await repo.rows(session, repo.QUESTIONS, params)
        bins = await repo.rows(session, repo.TIME_BINS, filters.params())
        found = await repo.rows(session, repo.MISCONCEPTIONS, filters.params())
        # hundreds of rows of Python arithmetic: in a worker thread, not on the event loop
        out = await anyio.to_thread.run_sync(_summary_stats, rows, bins, found)
    return await _with_live_hints(session, filters, out)


async def _with_live_hints(
    session: AsyncSession, filters: Filters, out: list[QuestionStat]
) -> list[QuestionStat]:
    """The live interviews' hint counts (issue 20) on the rows: one read over live attempts only,
    per question, format and day; the rows are the questions the filters chose, and the format
    and dates filter the counts here."""
    by_id = {q.id: q for q in out}
    for r in await repo.rows(session, repo.LIVE_HINTS, {}):
        if (stat := by_id.get(r.question_id)) is None or not filters.takes(r.format_id, r.day):
            continue
        stat.live += int(r.live)
        stat.live_hinted += int(r.hinted)
        stat.live_hints += int(r.hints)
    return out


def _summary_stats(rows: list[Any], time_bins: list[Any], found: list[Any]) -> list[QuestionStat]:
    bins: dict[uuid.UUID, dict[int, int]] = defaultdict(dict)
    for r in time_bins:
        bins[r.question_id][r.bin] = int(r.n)
    codes: dict[uuid.UUID, list[tuple[str, int]]] = defaultdict(list)
    for r in found:
        codes[r.question_id].append((r.code, r.n))
    return _question_stats(rows, bins, codes)


def _totals_stats(rows: list[Any]) -> list[QuestionStat]:
    bins = {r.id: dict(zip(r.time_bins, r.time_counts, strict=True)) for r in rows}
    codes = {r.id: list(zip(r.misconception_codes, r.misconception_counts, strict=True)) for r in rows}
    return _question_stats(rows, bins, codes)


# the question figures that SQL computes as numeric (None where undefined): floats for the pages
_NUMERIC_FIGURES = ("facility", "discrimination", "mean_seconds", "unanswered", "spread")


def _question_stats(
    rows: list[Any], bins: dict[uuid.UUID, dict[int, int]], codes: dict[uuid.UUID, list[tuple[str, int]]]
) -> list[QuestionStat]:
    out = [
        read_model(
            QuestionStat,
            r,
            **{name: _f(getattr(r, name)) for name in _NUMERIC_FIGURES},
            median_seconds=stats.median_from_bins(bins.get(r.id, {}), TIME_BIN_EDGES),
            misconceptions=list(codes.get(r.id, [])),
        )
        for r in rows
    ]
    for q in out:
        q.flags = stats.item_flags(q.facility, q.discrimination, q.scored)
    return out


@dataclass
class VersionStat:
    version: int
    used: int
    scored: int
    facility: float | None
    discrimination: float | None


@dataclass
class QuestionDetail:
    id: uuid.UUID
    title: str
    kind: str
    versions: list[VersionStat]
    options: list[stats.OptionRow]
    answered: int
    times: list[tuple[float, float, int]]
    median_seconds: float | None
    summary: QuestionStat | None


async def question_detail(session: AsyncSession, question_id: uuid.UUID, filters: Filters) -> QuestionDetail:
    """One question: facility and discrimination per version, the distractor analysis, time on it."""
    question = await session.get(Question, question_id)
    if question is None or question.current_version_id is None:
        raise NotFound("No such question.")
    version = await session.get(QuestionVersion, question.current_version_id)
    assert version is not None
    one = replace(filters, question_id=question_id)
    params = one.params()
    versions = [
        VersionStat(r.version, r.used, r.scored, _f(r.facility), _f(r.discrimination))
        for r in await repo.rows(session, repo.QUESTION_VERSIONS, params)
    ]
    answers = await repo.rows(session, repo.QUESTION_ANSWERS, params)
    labels = [(str(o.get("text", "")), bool(o.get("correct"))) for o in (version.data.get("options") or [])]
    choice = version.kind in ("single_choice", "multiple_choice")
    options, times, median_seconds = await anyio.to_thread.run_sync(_answer_stats, answers, labels, choice)
    summary = next(iter(await question_table(session, one)), None)
    return QuestionDetail(
        id=question_id,
        title=version.title,
        kind=version.kind,
        versions=versions,
        options=options,
        answered=sum(1 for a in answers if not a.unanswered),
        times=times,
        median_seconds=median_seconds,
        summary=summary,
    )


def _answer_stats(
    answers: list[Any], labels: list[tuple[str, bool]], choice: bool
) -> tuple[list[stats.OptionRow], list[tuple[float, float, int]], float | None]:
    """One question's answers: the distractor analysis (choice questions), time histogram and median."""
    options: list[stats.OptionRow] = []
    if choice:
        answered = [a for a in answers if not a.unanswered]
        thirds = stats.terciles(
            {str(i): float((a.rest or 0.0) + (a.frac or 0.0)) for i, a in enumerate(answered)}
        )
        picks = [(list(a.chosen or []), thirds[str(i)]) for i, a in enumerate(answered)]
        options = stats.distractor_table(labels, picks)
    seconds = [float(a.secs or 0.0) for a in answers]
    top = max(seconds, default=0.0)
    times = stats.histogram(seconds, lo=0.0, hi=max(60.0, top), bins=8) if seconds else []
    return options, times, stats.median(seconds)


@dataclass
class MentorStat:
    id: uuid.UUID
    name: str
    reviews: int
    median_turnaround_hours: float | None
    severity: float | None  # mean of (own fraction − co-reviewers' mean); negative = stricter
    severity_n: int
    alpha: float | None
    pairs: int
    helpful: float | None
    rated: int


@dataclass
class MentorTable:
    mentors: list[MentorStat]
    overall_alpha: float | None
    overall_pairs: int


async def mentor_table(session: AsyncSession, filters: Filters) -> MentorTable:
    """Per mentor: reviews, turnaround, severity, agreement (ordinal alpha on rubric levels), helpfulness."""
    params = filters.params()
    pairs = await repo.rows(session, repo.LEVEL_PAIRS, params)
    bins = await repo.rows(session, repo.TURNAROUND_BINS, params)
    mentors = await repo.rows(session, repo.MENTORS, params)
    # Krippendorff's alpha per mentor and the medians: in a worker thread, not on the event loop
    return await anyio.to_thread.run_sync(_mentor_stats, pairs, bins, mentors)


def _mentor_stats(level_pairs: list[Any], bins: list[Any], rows: list[Any]) -> MentorTable:
    per_mentor: dict[uuid.UUID, stats.Coincidences] = defaultdict(stats.Coincidences)
    pairs: dict[uuid.UUID, int] = defaultdict(int)
    overall = stats.Coincidences()
    total_pairs = 0
    for r in level_pairs:
        per_mentor[r.reviewer_id].add_pair(r.mine, r.other, float(r.n))
        pairs[r.reviewer_id] += r.n
        overall.add(r.mine, r.other, float(r.n))  # each pair appears once per direction
        total_pairs += r.n
    turnaround: dict[uuid.UUID, dict[int, int]] = defaultdict(dict)
    for r in bins:
        turnaround[r.reviewer_id][r.bin] = int(r.n)
    mentors = [
        MentorStat(
            id=r.id,
            name=r.display_name,
            reviews=r.reviews,
            median_turnaround_hours=stats.median_from_bins(turnaround.get(r.id, {}), TURNAROUND_EDGES_HOURS),
            severity=_f(r.severity),
            severity_n=r.severity_n or 0,
            alpha=stats.alpha_from_coincidences(per_mentor[r.id]) if r.id in per_mentor else None,
            pairs=pairs.get(r.id, 0),
            helpful=_f(r.helpful),
            rated=r.rated,
        )
        for r in rows
    ]
    return MentorTable(mentors, stats.alpha_from_coincidences(overall), total_pairs // 2)


@dataclass
class FormatStat:
    id: uuid.UUID
    title: str
    expiry_mode: str
    started: int
    submitted: int
    expired: int
    running: int
    not_counted: int
    median_minutes: float | None
    mean_score: float | None
    histogram: list[tuple[float, float, int]]

    @property
    def completion(self) -> float | None:
        finished = self.started - self.running
        return self.submitted / finished if finished else None

    @property
    def expiry_rate(self) -> float | None:
        finished = self.started - self.running
        return self.expired / finished if finished else None


async def format_table(session: AsyncSession, filters: Filters) -> list[FormatStat]:
    """Per format: started, submitted, expired (its expiry mode), not counted, duration, scores."""
    params = filters.params()
    bins: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0] * 10)
    for r in await repo.rows(session, repo.FORMAT_HISTOGRAM, params):
        bins[r.format_id][r.bin] = r.n
    return [
        read_model(
            FormatStat,
            r,
            median_minutes=None if r.median_seconds is None else float(r.median_seconds) / 60,
            mean_score=_f(r.mean_score),
            histogram=[(10.0 * i, 10.0 * (i + 1), n) for i, n in enumerate(bins[r.id])],
        )
        for r in await repo.rows(session, repo.FORMATS, params)
    ]


@dataclass
class TopicWeek:
    area: str
    topic: str
    week: datetime
    mean_score: float | None
    attempts: int


async def topic_weeks(session: AsyncSession, filters: Filters) -> list[TopicWeek]:
    """Per topic and week: mean item score and the number of attempts that drew it."""
    return [
        TopicWeek(
            r.area or "", r.topic, datetime.combine(r.week, time(), tzinfo=UTC), _f(r.mean_score), r.attempts
        )
        for r in await repo.rows(session, repo.TOPIC_WEEKS, filters.params())
    ]


def area_series(weeks: list[TopicWeek]) -> dict[str, list[tuple[datetime, float]]]:
    """Weekly mean score per area (attempt-weighted over its topics), for the trend chart."""
    acc: dict[str, dict[datetime, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for w in weeks:
        if w.mean_score is None:
            continue
        cell = acc[w.area or w.topic][w.week]
        cell[0] += w.mean_score * w.attempts
        cell[1] += w.attempts
    return {
        area: [(week, s / n) for week, (s, n) in sorted(by_week.items()) if n]
        for area, by_week in sorted(acc.items())
    }
