"""What the review page, the feedback page and their API twins show, built from a few queries.

Nothing here puts a candidate's name or email into a mentor's view of a blind attempt: the
candidate is `candidate_label`, a pseudonym when the format is blind.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.interviews import prompts as live_prompts
from app.interviews.formats import keys_visible
from app.interviews.models import Answer, Attempt, AttemptItem, InterviewFormat, LivePrompt
from app.questions import kinds
from app.questions.models import QuestionVersion
from app.questions.rendering import render_markdown_lenient
from app.reviews import (
    adjudication,
    annotation,
    drafts,
    interviewer_notes,
    progress,
    repository,
    rules,
    scoring,
)
from app.reviews.models import Review, ReviewItem
from app.reviews.schemas import ItemDraft, ReviewDraft


async def candidate_label(session: AsyncSession, attempt: Attempt, fmt: InterviewFormat) -> str:
    if fmt.blind_review:
        return scoring.pseudonym(get_settings().secret_key, str(attempt.id))
    names = await repository.display_names(session, [attempt.user_id])
    return names.get(attempt.user_id) or "Candidate"


def answer_view(item: AttemptItem, version: QuestionVersion, answer: Answer | None) -> dict[str, Any]:
    """The candidate's answer, safe to output: rendered Markdown for free text, option labels otherwise."""
    value = answer.value if answer else None
    out: dict[str, Any] = {"empty": not value, "html": "", "choices": [], "number": None}
    return out | kinds.get(item.kind).outcome(version.data, value, seed=item.seed)


@dataclass
class ItemView:
    ctx: rules.ItemContext
    position: int
    title: str
    topic: str
    kind: str
    prompt_html: str
    reference_html: str
    answer: dict[str, Any]
    time_spent_seconds: float
    follow_ups: list[dict[str, Any]]
    hints_html: list[str]
    question_id: uuid.UUID
    draft: ItemDraft = field(default_factory=ItemDraft)
    points: list[float | None] = field(default_factory=list)
    # the live follow-up ladder's log of this item: follow-ups and hints given, with their times
    prompts: list[LivePrompt] = field(default_factory=list)
    answer_text: str = ""  # free text: the stored answer exactly as submitted (annotations' offsets)


async def item_views(
    session: AsyncSession,
    attempt_id: uuid.UUID,
    draft: ReviewDraft,
    prompts: list[LivePrompt] | None = None,
) -> list[ItemView]:
    by_item = live_prompts.by_item(prompts or [])
    views = []
    for item, version, answer, topic in await repository.items(session, attempt_id):
        ctx = drafts.item_context(item, version)
        d = draft.items.get(item.id) or ItemDraft(levels=[None] * len(ctx.criteria))
        try:
            points = rules.item_points(ctx, d)
        except scoring.ScoringError:
            points = [None] * len(ctx.criteria)
        hints_html = (version.data.get("hints_html") if isinstance(version.data, dict) else None) or [
            str(render_markdown_lenient(h)) for h in version.hints or []
        ]
        views.append(
            ItemView(
                ctx=ctx,
                position=item.position,
                title=version.title,
                topic=topic,
                kind=item.kind,
                # the exact numbers the candidate saw (parametrised questions)
                prompt_html=kinds.get(item.kind).prompt_html(
                    version.prompt_html, version.data, seed=item.seed
                ),
                reference_html=version.reference_html,
                answer=answer_view(item, version, answer),
                time_spent_seconds=item.time_spent_seconds,
                follow_ups=list(version.follow_ups or []),
                hints_html=list(hints_html),
                question_id=item.question_id,
                draft=d,
                points=points,
                prompts=by_item.get(item.id, []),
                answer_text=str((answer.value or {}).get("text") or "")
                if answer and ctx.is_free_text
                else "",
            )
        )
    return views


async def review_page(
    session: AsyncSession,
    review: Review,
    attempt: Attempt,
    fmt: InterviewFormat,
    draft: ReviewDraft | None = None,
) -> dict[str, Any]:
    """Context for the review page: the mentor's own draft (or the given one) and, once they have
    submitted, the other reviewers' verdicts."""
    prompts = await live_prompts.prompts_of(session, attempt.id)
    note = await interviewer_notes.notes_of(session, attempt.id, review.reviewer_id)
    if draft is None:
        draft = ReviewDraft.model_validate(review.draft or {})
        draft = interviewer_notes.prefilled(review, draft, note, prompts)
    items = await item_views(session, attempt.id, draft, prompts)
    draft = rules.normalised(draft, [v.ctx for v in items])
    # numbered by submission order, as the candidate's feedback and the admin page number them
    others: list[tuple[str, Review]] = []
    if review.status == "submitted":
        submitted = await repository.submitted_reviews(session, attempt.id)
        others = [(f"Reviewer {n}", r) for n, r in enumerate(submitted, start=1) if r.id != review.id]
    return {
        "review": review,
        "attempt": attempt,
        "fmt": fmt,
        "candidate": await candidate_label(session, attempt, fmt),
        "items": items,
        "draft": draft,
        "percent": _percent_so_far(draft, [v.ctx for v in items]),
        "signals": scoring.DEFAULT_SIGNALS,
        "recommendations": scoring.RECOMMENDATIONS,
        "recommendation_labels": scoring.RECOMMENDATION_LABELS,
        "others": others,
        "submitted_count": await repository.count_submitted(session, attempt.id),
        "interviewer_note": note,
        "live_log": bool(prompts) or note is not None,
        "annotations": annotated_items(items, await annotation.of_reviews(session, [review.id]), {}),
    }


def _percent_so_far(draft: ReviewDraft, items: list[rules.ItemContext]) -> float | None:
    """The draft's percent, or None while it has a refused value: the page is also re-rendered with
    a draft whose override the rules refused (no reason, out of range), to show that message."""
    try:
        return rules.review_percent(draft, items)
    except scoring.ScoringError:
        return None


def annotated_items(
    items: list[ItemView], rows: list[Any], labels: dict[uuid.UUID, str]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Per free-text item with an answer: its text with the annotations' marks and notes."""
    found = annotation.by_item(rows)
    return {
        v.ctx.item_id: annotation.annotated(
            v.answer_text, found.get(v.ctx.item_id, []), labels, prefix=f"a{v.position + 1}"
        )
        for v in items
        if v.answer_text
    }


def reviewer_labels(reviews: list[Review], names: dict[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    return {
        r.id: (names.get(r.reviewer_id, f"Reviewer {n}") if r.show_name else f"Reviewer {n}")
        for n, r in enumerate(reviews, start=1)
    }


async def feedback(session: AsyncSession, attempt: Attempt) -> dict[str, Any]:
    """The released feedback: per item every reviewer's verdict and the aggregate; overall signals."""
    fmt = await repository.format_of(session, attempt)
    reviews = await repository.submitted_reviews(session, attempt.id)
    names = await repository.display_names(session, [r.reviewer_id for r in reviews if r.show_name])
    labels = reviewer_labels(reviews, names)
    verdicts: dict[uuid.UUID, dict[uuid.UUID, ReviewItem]] = {}
    for ri in await repository.review_items(session, [r.id for r in reviews]):
        verdicts.setdefault(ri.item_id, {})[ri.review_id] = ri
    items = await item_views(session, attempt.id, ReviewDraft())
    similar = await progress.similar_questions(
        session, attempt.user_id, [(v.question_id, v.topic) for v in items]
    )
    # Objective keys (right options, values, their scores and explanations) follow the format's policy.
    keys = keys_visible(fmt, attempt.state)
    out_items = []
    for v in items:
        hide_key = not keys and kinds.get(v.kind).objective
        per_review = [(labels[r.id], verdicts.get(v.ctx.item_id, {}).get(r.id)) for r in reviews]
        given = [ri for _, ri in per_review if ri is not None]
        criteria = []
        for c, crit in enumerate(v.ctx.criteria):
            mean = scoring.mean_per_criterion(
                [[ri.points[c] if c < len(ri.points) else None] for ri in given]
            )
            chosen = [
                (label, ri.levels[c]) for label, ri in per_review if ri is not None and c < len(ri.levels)
            ]
            criteria.append({"crit": crit, "mean": mean[0] if mean else None, "chosen": chosen})
        hit = {k for ri in given for k in ri.key_points}
        labels_by_code = {m["code"]: m["label"] for m in v.ctx.rubric.get("misconceptions", [])}
        misconceptions = sorted(
            {labels_by_code.get(code, code) for ri in given for code in ri.misconceptions if code != "other"}
            | {ri.other_misconception for ri in given if ri.other_misconception}
        )
        out_items.append(
            {
                "v": v,
                "fraction": statistics.fmean([ri.fraction for ri in given])
                if given and not hide_key
                else None,
                "criteria": criteria,
                "key_points": [
                    {"html": html, "hit": i in hit}
                    for i, html in enumerate(
                        v.ctx.rubric.get("key_points_html") or v.ctx.rubric.get("key_points", [])
                    )
                ],
                "misconceptions": misconceptions,
                "comments": [(label, ri.comment_html) for label, ri in per_review if ri and ri.comment_html],
                "comments_md": [(label, ri.comment) for label, ri in per_review if ri and ri.comment.strip()],
                "overrides": [
                    (label, ri.override, ri.override_reason)
                    for label, ri in per_review
                    if ri and ri.override is not None and not hide_key
                ],
                "similar": similar.get(v.question_id),
            }
        )
    signal_means = {
        s: statistics.fmean(vals) if (vals := [r.signals[s] for r in reviews if s in r.signals]) else None
        for s in scoring.DEFAULT_SIGNALS
    }
    ctx: dict[str, Any] = {
        "attempt": attempt,
        "fmt": fmt,
        "outcome": await repository.outcome(session, attempt.id),
        "reviews": [(labels[r.id], r) for r in reviews],
        "items": out_items,
        "signals": scoring.DEFAULT_SIGNALS,
        "signal_means": signal_means,
        "recommendation_labels": scoring.RECOMMENDATION_LABELS,
        "rating": await repository.rating(session, attempt.id),
        "keys_shown": keys,
    }
    # an adjudicated disagreement: the final scores replace the reviewers' means
    adj = await adjudication.settled(session, attempt.id)
    shown = adj is None or fmt.adjudication_shows_originals
    rows = await annotation.submitted_of_attempt(session, attempt.id) if shown else []
    ctx["annotations"] = annotated_items(items, rows, labels)
    return adjudication.apply_to_feedback(ctx, adj, show_originals=fmt.adjudication_shows_originals)
