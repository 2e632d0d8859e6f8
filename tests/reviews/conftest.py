"""Review fixtures: a small bank with a rubric, formats, finalised attempts, complete drafts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.interviews.schemas import FormatDoc
from app.questions.native import (
    Criterion,
    FollowUp,
    Kind,
    Level,
    Misconception,
    NumericAnswer,
    Option,
    QuestionDoc,
    Rubric,
)
from tests import factories
from tests.factories import MakeFormat  # noqa: F401 - tests import it from here too
from tests.fixtures import Client
from tests.live import LiveDb, live_database

TOPIC = "optimisation/gradient-descent"
OTHER_TOPIC = "optimisation/learning-rates"

RUBRIC = Rubric(
    criteria=[
        Criterion(
            name="Correctness",
            points=2,
            levels=[
                Level(points=0, descriptor="Wrong."),
                Level(points=1, descriptor="Partly right."),
                Level(points=2, descriptor="Right: $\\eta < 2/L$."),
            ],
        ),
        Criterion(
            name="Explanation",
            points=3,
            levels=[
                Level(points=0, descriptor="None."),
                Level(points=1, descriptor="Vague."),
                Level(points=2, descriptor="Clear."),
                Level(points=3, descriptor="Clear and complete."),
            ],
        ),
    ],
    key_points=["Too large a step diverges.", "Too small a step is slow."],
    misconceptions=[
        Misconception(code="bigger-is-faster", label="Bigger steps are always faster"),
        Misconception(code="lr-irrelevant", label="The learning rate does not matter"),
    ],
)


def bank_docs(prefix: str) -> list[QuestionDoc]:
    return [
        QuestionDoc(
            external_id=f"{prefix}-text",
            topic=TOPIC,
            title="Step size",
            kind=Kind.free_text,
            prompt="Why does the step size matter for gradient descent on $f(x) = x^2$?",
            reference_answer="Below $\\eta < 1$ it converges; above it diverges.",
            rubric=RUBRIC,
            follow_ups=[FollowUp(question="What about momentum?", expected_answer="It damps oscillation.")],
            hints=["Think of $x_{t+1} = (1 - 2\\eta) x_t$."],
            difficulty=2,
        ),
        QuestionDoc(
            external_id=f"{prefix}-single",
            topic=TOPIC,
            title="Converging step",
            kind=Kind.single_choice,
            prompt="Which step size converges for $x^2$?",
            options=[Option(text="0.5", correct=True), Option(text="1.5"), Option(text="2")],
            difficulty=1,
        ),
        QuestionDoc(
            external_id=f"{prefix}-numeric",
            topic=OTHER_TOPIC,
            title="One step",
            kind=Kind.numeric,
            prompt="One step from $x=1$ with $\\eta = 0.25$ on $x^2$ gives?",
            numeric=NumericAnswer(value=0.5, tolerance=0.01),
            difficulty=1,
        ),
        QuestionDoc(
            external_id=f"{prefix}-text-2",
            topic=TOPIC,
            title="Another step-size question",
            kind=Kind.free_text,
            prompt="Explain learning-rate schedules.",
            difficulty=2,
        ),
    ]


async def build_bank(session: AsyncSession, prefix: str = "rv") -> None:
    await factories.publish_questions(session, bank_docs(prefix))


def format_doc(**overrides: Any) -> FormatDoc:
    defaults = {
        "title": "Review test format",
        "slots": [
            {"external_id": f"{overrides.pop('prefix', 'rv')}-text"},
            {"topic": TOPIC, "count": 1, "kinds": ["single_choice"]},
            {"topic": OTHER_TOPIC, "count": 1, "kinds": ["numeric"]},
        ],
    }
    return factories.format_doc(defaults, **overrides)


bank = factories.bank_fixture(build_bank)
make_format = factories.make_format_fixture(format_doc)


ANSWERS = {
    "free_text": {"text": "A large step **diverges**: $|1 - 2\\eta| > 1$."},
    "single_choice": {"choice": 0},  # correct
    "numeric": {"number": "0.9"},  # wrong
}


async def take_interview(
    c: Client, format_id: uuid.UUID, answers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Start, answer every item (free text, correct single choice, wrong number) and submit."""
    return await factories.take_interview(c, format_id, answers or ANSWERS)


def complete_draft(
    review: dict[str, Any],
    *,
    levels: tuple[int, ...] = (1, 3),
    recommendation: str = "yes",
    overrides: dict[str, tuple[float, str]] | None = None,
) -> dict[str, Any]:
    """A complete draft for the review API: the given levels for free text, every signal, a summary."""
    items: dict[str, Any] = {}
    for item in review["items"]:
        if item["kind"] == "free_text":
            n = len(item["rubric"]["criteria"])
            items[item["id"]] = {
                "levels": list(levels[:n]) if n == len(levels) else [0] * n,
                "key_points": [0] if item["rubric"].get("key_points") else [],
                "misconceptions": ["bigger-is-faster"] if item["rubric"].get("misconceptions") else [],
                "comment": "Good use of $\\eta$.",
            }
        elif overrides and item["kind"] in overrides:
            value, reason = overrides[item["kind"]]
            items[item["id"]] = {"override": value, "override_reason": reason}
    return {
        "items": items,
        "signals": {"fundamentals": 3, "mathematical_rigour": 2, "communication": 4, "depth": 3},
        "recommendation": recommendation,
        "summary": "Solid fundamentals; be precise about **convergence**.",
        "private_note": "Private: borderline on rigour.",
        "show_name": False,
    }


claim = factories.claim_review


@pytest.fixture(scope="module")
def live_url(make_database) -> str:  # type: ignore[no-untyped-def]
    return live_database(make_database("mlmock_rv"), lambda s: build_bank(s, prefix="rv"))


@pytest.fixture
async def live(live_url: str) -> AsyncIterator[LiveDb]:
    ldb = LiveDb(live_url, app_pool_size=12)
    yield ldb
    await ldb.close()
