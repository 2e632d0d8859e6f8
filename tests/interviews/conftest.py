"""Interview fixtures: a small question bank, formats, and a committed database for races."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.interviews.schemas import FormatDoc
from app.questions.native import Kind, NumericAnswer, Option, QuestionDoc
from tests import factories
from tests.factories import MakeFormat  # noqa: F401 - tests import it from here too
from tests.live import LiveDb, live_database

TOPIC = "optimisation/gradient-descent"


def bank_docs(prefix: str = "t") -> list[QuestionDoc]:
    """Two of each kind (single, multiple, numeric, free text): a bank small enough to build per test."""
    docs = []
    for n in range(2):
        docs.append(
            QuestionDoc(
                external_id=f"{prefix}-single-{n}",
                topic=TOPIC,
                title=f"Single {n}",
                kind=Kind.single_choice,
                prompt=f"Which step size converges for $f(x) = x^2$ (case {n})?",
                reference_answer="Any $0 < \\eta < 1$.",
                options=[
                    Option(text="0.5", correct=True, feedback="Yes: $|1 - 2\\eta| < 1$."),
                    Option(text="1.5"),
                    Option(text="2"),
                ],
                difficulty=1,
            )
        )
        docs.append(
            QuestionDoc(
                external_id=f"{prefix}-multi-{n}",
                topic=TOPIC,
                title=f"Multiple {n}",
                kind=Kind.multiple_choice,
                prompt="Which are convex?",
                options=[
                    Option(text="$x^2$", correct=True),
                    Option(text="$|x|$", correct=True),
                    Option(text="$\\sin x$"),
                    Option(text="$-x^2$"),
                ],
                negative_marks=True,
                difficulty=2,
            )
        )
        docs.append(
            QuestionDoc(
                external_id=f"{prefix}-numeric-{n}",
                topic=TOPIC,
                title=f"Numeric {n}",
                kind=Kind.numeric,
                prompt="One step of gradient descent on $x^2$ from $x=1$ with $\\eta = 0.25$ gives?",
                reference_answer="$x_1 = 1 - 0.25 \\cdot 2 = 0.5$.",
                numeric=NumericAnswer(value=0.5, tolerance=0.01),
                difficulty=2,
            )
        )
        docs.append(
            QuestionDoc(
                external_id=f"{prefix}-text-{n}",
                topic=TOPIC,
                title=f"Free text {n}",
                kind=Kind.free_text,
                prompt="Explain why the learning rate matters.",
                reference_answer="Too small is slow, too large diverges.",
                difficulty=3,
            )
        )
    return docs


async def build_bank(session: AsyncSession, prefix: str = "t") -> None:
    await factories.publish_questions(session, bank_docs(prefix))


def format_doc(**overrides: Any) -> FormatDoc:
    defaults = {
        "title": "Test format",
        "slots": [
            {"topic": TOPIC, "count": 1, "kinds": ["single_choice"]},
            {"topic": TOPIC, "count": 1, "kinds": ["multiple_choice"]},
            {"topic": TOPIC, "count": 1, "kinds": ["numeric"]},
            {"topic": TOPIC, "count": 1, "kinds": ["free_text"]},
        ],
        # these tests look at grading: keys right away (the key policy has its own tests)
        "keys_shown": "at_submit",
    }
    return factories.format_doc(defaults, **overrides)


bank = factories.bank_fixture(build_bank)
make_format = factories.make_format_fixture(format_doc)


start = factories.start_attempt


def answer_for(item: dict[str, Any], variant: int = 0) -> dict[str, Any]:
    kind = item["kind"]
    if kind == "free_text":
        return {"text": f"answer {variant}"}
    if kind == "single_choice":
        return {"choice": variant % 3}
    if kind == "multiple_choice":
        return {"choices": [0, 1] if variant == 0 else [variant % 4]}
    return {"number": str(0.5 + variant)}


@pytest.fixture(scope="module")
def live_url(make_database) -> str:  # type: ignore[no-untyped-def]
    return live_database(make_database("mlmock_iv"), lambda s: build_bank(s, prefix="live"))


@pytest.fixture
async def live(live_url: str) -> AsyncIterator[LiveDb]:
    ldb = LiveDb(live_url)
    yield ldb
    await ldb.close()


def saving(base: int, save_id: str | None = None) -> dict[str, Any]:
    """The protocol fields of a save: the stored revision it is based on and a fresh client save id."""
    return {"base_revision": base, "save_id": save_id or uuid.uuid4().hex}
