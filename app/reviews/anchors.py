"""Calibration in the flow of work (issue 21): anchors reach mentors as ordinary review tasks.

How an anchor is mixed in:
- **Presentation.** An anchor is shown to a mentor as a stand-in attempt: an `attempt` row owned
  by the calibration stand-in account (never signs in), under the anchor's blind format, carrying
  every question and answer of the real attempt the anchor was marked in when it is presented under
  that attempt's format (a real attempt's shape), else the anchor's question alone (a written
  anchor: indistinguishable under a one-question format only), `counted = false` (so no result, statistic
  or candidate page includes it) and `needs_review`. The mentor's review of it is an ordinary
  `review` row: the same queue row, URL shape, page, draft autosave and submit. The only record
  that it is an anchor is `anchor_presentation`, read by nothing a mentor sees before submitting.
- **Where it appears.** A pending presentation is listed in *that mentor's* queue only (and
  picked by "claim next") like any attempt, with `finished_at` a few minutes before the oldest
  attempt the mentor could claim, so it sits at the head of their queue and the next claim takes it
  (the queue is oldest first). It is made only while a real attempt is claimable, so the queue
  never shows work that is not there.
- **Share (decided here, the issue leaves it open): a keyed pseudo-random draw per claim.** The
  mentor's n-th claim is an anchor turn when HMAC(secret_key, mentor, n) / 2^64 < anchor_share.
  It is reproducible (tests, audits) yet unpredictable without the deployment's secret: a fixed
  schedule ("every 10th claim") would be a tell. While a presentation is pending no new draw is
  made, so the share of claims is at most `anchor_share` (less when the mentor claims with a filter
  that excludes the pending one, or has seen every anchor: each anchor is shown to a mentor once).
- **Calibration set.** A mentor with no real review yet gets up to `calibration_set_size` anchors
  first, announced on the queue page ("calibration set: 2 of 5"), whatever the queue holds and
  whatever filter they claim with.
- **Reveal.** `reveal()` answers only for a submitted review: the reference levels, the
  recommendation and the rationale, beside the mentor's own.
- A stand-in attempt never completes a review set (app/reviews/submission.py completes counted
  attempts only): no outcome, no release, no notification.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.config import get_settings
from app.interviews import lifecycle
from app.interviews.models import Answer, Attempt, AttemptItem, InterviewFormat
from app.kit import clock
from app.questions.models import QuestionVersion
from app.reviews import rules, scoring
from app.reviews.anchor_models import Anchor, AnchorPresentation
from app.reviews.models import Review, ReviewItem

STAND_IN_EMAIL = "calibration-stand-in@mlmock.invalid"
STAND_IN_NAME = "Calibration stand-in"


def draw(secret: str, mentor_id: uuid.UUID, n: int) -> float:
    """The mentor's n-th claim's draw in [0, 1): keyed, reproducible, unpredictable without the key."""
    digest = hmac.new(secret.encode(), f"anchor-turn:{mentor_id}:{n}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_anchor_turn(secret: str, mentor_id: uuid.UUID, n: int, share: float) -> bool:
    return share > 0 and draw(secret, mentor_id, n) < share


# ---- queries ---------------------------------------------------------------------------------------

_PENDING = text(
    """
SELECT p.attempt_id FROM anchor_presentation p
WHERE p.mentor_id = :me
  AND NOT EXISTS (SELECT 1 FROM review r WHERE r.attempt_id = p.attempt_id AND r.reviewer_id = :me)
ORDER BY p.created_at LIMIT 1
"""
)

_COUNTS = text(
    """
SELECT count(*) AS claims,
       count(*) FILTER (WHERE p.attempt_id IS NULL) AS real_claims,
       count(*) FILTER (WHERE p.onboarding AND r.status = 'submitted') AS set_done
FROM review r LEFT JOIN anchor_presentation p ON p.attempt_id = r.attempt_id
WHERE r.reviewer_id = :me
"""
)

# the anchors this mentor has not been shown, in a stable order (the draw picks one)
_UNSEEN = text(
    """
SELECT a.id FROM anchor a
WHERE a.active AND NOT EXISTS (
    SELECT 1 FROM anchor_presentation p WHERE p.anchor_id = a.id AND p.mentor_id = :me)
ORDER BY a.created_at, a.id
"""
)

_ANY_ACTIVE = text("SELECT EXISTS (SELECT 1 FROM anchor WHERE active)")
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


@dataclass(frozen=True)
class Calibration:
    """Where a mentor stands: in the announced calibration set or not, and how far."""

    onboarding: bool
    done: int
    size: int


async def prepare(session: AsyncSession, mentor_id: uuid.UUID, head_sql: str) -> Calibration:
    """Before the mentor's queue is read or a claim is made: make the anchor presentation their next
    claim should meet, if their draw says so (or they are in the calibration set). Idempotent:
    at most one pending presentation per mentor (serialised per mentor by an advisory lock)."""
    settings = get_settings()
    if not (await session.execute(_ANY_ACTIVE)).scalar():  # no anchors (yet): one cheap read, no lock
        return Calibration(False, 0, settings.calibration_set_size)
    await session.execute(_LOCK, {"key": f"anchor:{mentor_id}"})
    counts = (await session.execute(_COUNTS, {"me": mentor_id})).one()
    size = settings.calibration_set_size
    onboarding = counts.real_claims == 0 and counts.set_done < size
    pending = (await session.execute(_PENDING, {"me": mentor_id})).scalar()
    if pending is not None:
        return Calibration(onboarding, counts.set_done, size)
    unseen = list((await session.execute(_UNSEEN, {"me": mentor_id})).scalars())
    if not unseen:
        return Calibration(False, counts.set_done, size)
    n = counts.claims + 1
    now = clock.now()
    pick = unseen[int(draw(settings.secret_key, mentor_id, -n) * len(unseen))]
    if not onboarding and not is_anchor_turn(settings.secret_key, mentor_id, n, settings.anchor_share):
        return Calibration(False, counts.set_done, size)
    head = (await session.execute(text(head_sql), {"me": mentor_id, "now": now})).scalar()
    if onboarding:  # announced, whatever the queue holds; still the head, so "claim next" takes it
        first = min(head, now) if head is not None else now
        await _present(session, pick, mentor_id, finished_at=first - _jitter(mentor_id, n), onboarding=True)
        return Calibration(True, counts.set_done, size)
    if head is not None:  # only while real work is there: an anchor never fills an empty queue
        await _present(session, pick, mentor_id, finished_at=head - _jitter(mentor_id, n), onboarding=False)
    return Calibration(False, counts.set_done, size)


def _jitter(mentor_id: uuid.UUID, n: int) -> timedelta:
    return timedelta(seconds=60 + int(draw(get_settings().secret_key, mentor_id, 10_000 + n) * 600))


async def stand_in(session: AsyncSession) -> uuid.UUID:
    """The account that owns every presentation: inactive, no role, no password (never signs in)."""
    found = await session.execute(select(User.id).where(func.lower(User.email) == STAND_IN_EMAIL))
    user_id = found.scalar()
    if user_id is not None:
        return user_id
    insert = text(
        """
INSERT INTO app_user (id, email, display_name, password_hash, roles, is_active)
VALUES (:id, :email, :name, '!', ARRAY[]::varchar[], false)
ON CONFLICT ((lower(email))) DO NOTHING
"""
    )
    await session.execute(insert, {"id": uuid.uuid4(), "email": STAND_IN_EMAIL, "name": STAND_IN_NAME})
    user_id = (
        await session.execute(select(User.id).where(func.lower(User.email) == STAND_IN_EMAIL))
    ).scalar()
    assert user_id is not None
    return user_id


async def _present(
    session: AsyncSession,
    anchor_id: uuid.UUID,
    mentor_id: uuid.UUID,
    *,
    finished_at: datetime,
    onboarding: bool,
) -> uuid.UUID:
    """Materialise the anchor as a finished, not counted, stand-in attempt for this mentor."""
    anchor = await session.get(Anchor, anchor_id)
    assert anchor is not None
    fmt = await session.get(InterviewFormat, anchor.format_id)
    assert fmt is not None
    source = await _source_attempt(session, anchor)
    items = await _items(session, anchor, source)
    spent = max(sum(i.time_spent_seconds for i, _ in items), 30.0)
    started = finished_at - timedelta(seconds=spent + 120)
    attempt = Attempt(
        format_id=fmt.id,
        user_id=await stand_in(session),
        seed=random.getrandbits(62),
        started_at=started,
        deadline_at=started + timedelta(seconds=fmt.time_limit_seconds),
        time_factor=1.0,
        expiry_mode=fmt.expiry_mode,
        grace_seconds=fmt.grace_seconds,
        navigation=fmt.navigation,
        counted=False,
        needs_review=True,
        auto_score=source.auto_score if source else None,
        auto_max=source.auto_max if source else None,
    )
    session.add(attempt)
    await session.flush()
    for item, value in items:
        item.attempt_id = attempt.id
        item.last_active_at = finished_at
        session.add(item)
        await session.flush()
        session.add(Answer(item_id=item.id, revision=1, value=value, saved_at=finished_at))
    session.add(
        AnchorPresentation(
            attempt_id=attempt.id,
            anchor_id=anchor.id,
            mentor_id=mentor_id,
            onboarding=onboarding,
            created_at=clock.now(),
        )
    )
    await session.flush()
    await lifecycle.finish_stand_in(session, attempt.id, finished_at)
    return attempt.id


async def _source_attempt(session: AsyncSession, anchor: Anchor) -> Attempt | None:
    """The real attempt the anchor's answer comes from, when it is presented under that attempt's
    own format: then the stand-in carries all its answers, so it has a real attempt's shape."""
    if anchor.source_item_id is None:
        return None
    item = await session.get(AttemptItem, anchor.source_item_id)
    attempt = await session.get(Attempt, item.attempt_id) if item else None
    return attempt if attempt is not None and attempt.format_id == anchor.format_id else None


async def _items(
    session: AsyncSession, anchor: Anchor, source: Attempt | None
) -> list[tuple[AttemptItem, dict[str, Any]]]:
    """The stand-in's items (not yet attached) with their answers: a copy of the source attempt's
    items (the anchor's own answer text in its place), or the anchor's question alone."""
    if source is not None:
        rows = await session.execute(
            select(AttemptItem, Answer)
            .outerjoin(Answer, Answer.item_id == AttemptItem.id)
            .where(AttemptItem.attempt_id == source.id)
            .order_by(AttemptItem.position)
        )
        out = []
        for item, answer in rows.all():
            copy = AttemptItem(
                position=item.position,
                slot_index=item.slot_index,
                question_id=item.question_id,
                version_id=item.version_id,
                kind=item.kind,
                seed=item.seed,
                max_points=item.max_points,
                score=item.score,
                time_spent_seconds=item.time_spent_seconds,
            )
            own = item.id == anchor.source_item_id
            value = {"text": anchor.answer_text} if own else dict(answer.value) if answer else {}
            out.append((copy, value))
        return out
    version = await session.get(QuestionVersion, anchor.version_id)
    assert version is not None
    item = AttemptItem(
        position=0,
        slot_index=0,
        question_id=anchor.question_id,
        version_id=anchor.version_id,
        kind=version.kind,
        max_points=1.0,
        time_spent_seconds=anchor.time_spent_seconds,
    )
    return [(item, {"text": anchor.answer_text})]


# ---- after the submit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionReveal:
    name: str
    max_points: float
    reference_level: int
    reference_points: float
    reference_descriptor: str
    mine_level: int | None
    mine_points: float | None

    @property
    def deviation(self) -> float | None:
        return None if self.mine_points is None else self.mine_points - self.reference_points


@dataclass(frozen=True)
class Reveal:
    criteria: list[CriterionReveal]
    reference_recommendation: str
    mine_recommendation: str | None
    rationale_html: str
    onboarding: bool

    @property
    def reference_recommendation_label(self) -> str:
        return scoring.RECOMMENDATION_LABELS[self.reference_recommendation]

    @property
    def mine_recommendation_label(self) -> str:
        return scoring.RECOMMENDATION_LABELS.get(self.mine_recommendation or "", "—")


async def reveal(session: AsyncSession, review: Review) -> Reveal | None:
    """The anchor's reference beside the mentor's verdict — only once their review is submitted."""
    if review.status != "submitted":
        return None
    row = (
        await session.execute(
            select(Anchor, AnchorPresentation.onboarding)
            .join(AnchorPresentation, AnchorPresentation.anchor_id == Anchor.id)
            .where(
                AnchorPresentation.attempt_id == review.attempt_id,
                AnchorPresentation.mentor_id == review.reviewer_id,
            )
        )
    ).first()
    if row is None:
        return None
    anchor, onboarding = row
    version = await session.get(QuestionVersion, anchor.version_id)
    assert version is not None
    criteria = rules.effective_rubric(version.rubric).get("criteria", [])
    mine = (
        (
            await session.execute(
                select(ReviewItem)
                .join(AttemptItem, AttemptItem.id == ReviewItem.item_id)
                .where(ReviewItem.review_id == review.id, AttemptItem.question_id == anchor.question_id)
            )
        )
        .scalars()
        .first()
    )
    out = []
    for c, crit in enumerate(criteria):
        ref = anchor.reference_levels[c]
        level = mine.levels[c] if mine is not None and c < len(mine.levels) else None
        out.append(
            CriterionReveal(
                name=crit["name"],
                max_points=float(crit["points"]),
                reference_level=ref,
                reference_points=float(crit["levels"][ref]["points"]),
                reference_descriptor=str(crit["levels"][ref].get("descriptor", "")),
                mine_level=level,
                mine_points=float(crit["levels"][level]["points"]) if level is not None else None,
            )
        )
    return Reveal(
        out, anchor.reference_recommendation, review.recommendation, anchor.rationale_html, onboarding
    )
