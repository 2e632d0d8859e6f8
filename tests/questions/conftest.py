"""Question bank test helpers: the seed topic tree, valid documents, editor form fields."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.questions.models import Question, QuestionVersion

GD_RULE = r"$$\theta_{t+1} = \theta_t - \eta \nabla_\theta L(\theta_t)$$"

BASE_DOC: dict[str, Any] = {
    "topic": "optimisation/gradient-descent",
    "title": "One step of gradient descent",
    "kind": "free_text",
    "prompt": "Write the update rule of gradient descent and explain each symbol.\n\n" + GD_RULE,
    "reference_answer": "Move against the gradient, scaled by the learning rate $\\eta$.",
    "rubric": {
        "criteria": [
            {
                "name": "Update rule",
                "points": 2,
                "levels": [
                    {"points": 0, "descriptor": "Missing or wrong sign"},
                    {"points": 2, "descriptor": "Correct rule with $\\eta$"},
                ],
            }
        ],
        "key_points": ["Negative gradient direction"],
        "misconceptions": [{"code": "wrong-sign", "label": "Moves up the gradient"}],
    },
    "difficulty": 1,
    "estimated_minutes": 5,
    "tags": ["gradient-descent"],
}

CHOICE_DOC: dict[str, Any] = {
    **BASE_DOC,
    "title": "Which step is descent?",
    "kind": "single_choice",
    "prompt": "Which update decreases the loss for a small $\\eta$?",
    "options": [
        {"text": "Subtract the gradient", "correct": True},
        {"text": "Add the gradient", "correct": False},
    ],
    "rubric": {},
}


def make_doc(base: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    doc = copy.deepcopy(base or BASE_DOC)
    doc.update(over)
    return doc


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """A document as the editor's indexed form fields."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            key = f"{prefix}-{k}" if prefix else k
            if k == "tags" and not prefix:
                out["tags"] = ", ".join(v) if isinstance(v, list) else str(v)
            elif isinstance(v, bool):
                if v:
                    out[key] = "on"
            else:
                out.update(flatten(v, key))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}-{i}"))
    elif value is not None:
        out[prefix] = str(value)
    return out


def form_of(doc: dict[str, Any], action: str = "save") -> dict[str, str]:
    return {**flatten(doc), "action": action}


async def counts(db: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """(questions, versions) stored."""
    async with db() as s:
        q = (await s.execute(select(func.count()).select_from(Question))).scalar_one()
        v = (await s.execute(select(func.count()).select_from(QuestionVersion))).scalar_one()
    return int(q), int(v)
