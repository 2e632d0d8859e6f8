"""Every objective answer in the seed bank is recomputed from the numbers in its prompt."""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

import pytest

from app.questions.native import Kind, QuestionDoc
from app.questions.seedcheck import SEED_DIR, load_question_file


def _objective() -> list[tuple[str, QuestionDoc]]:
    out = []
    for path in sorted((SEED_DIR / "questions").glob("*.yaml")):
        for doc in load_question_file(path):
            if doc.kind is not Kind.free_text:
                out.append((path.stem, doc))
    return out


OBJECTIVE = _objective()


def _answers(stem: str) -> dict[str, Any]:
    module = importlib.import_module(f"tests.seed.answers_{stem.replace('-', '_')}")
    return dict(module.ANSWERS)


@pytest.mark.parametrize(("stem", "doc"), OBJECTIVE, ids=[d.external_id or "?" for _, d in OBJECTIVE])
def test_objective_answer_is_recomputed(stem: str, doc: QuestionDoc) -> None:
    answers = _answers(stem)
    assert doc.external_id in answers, f"no recomputation for {doc.external_id} in answers_{stem}.py"
    computed = answers[doc.external_id]()
    if doc.kind is Kind.numeric:
        assert doc.numeric is not None
        n = doc.numeric
        tol = n.tolerance if n.tolerance_mode == "absolute" else abs(n.value) * n.tolerance
        assert math.isclose(float(computed), n.value, abs_tol=tol + 1e-12), (computed, n.value)
    elif doc.kind is Kind.single_choice:
        correct = [i for i, o in enumerate(doc.options) if o.correct]
        assert computed == correct[0], (computed, correct)
    else:
        correct_set = {i for i, o in enumerate(doc.options) if o.correct}
        assert set(computed) == correct_set, (computed, correct_set)


def test_no_stale_recomputations() -> None:
    """An answers module never keeps an entry for a question that is gone or free text."""
    by_stem: dict[str, set[str]] = {}
    for stem, doc in OBJECTIVE:
        by_stem.setdefault(stem, set()).add(doc.external_id or "")
    for stem in {p.stem for p in (SEED_DIR / "questions").glob("*.yaml")}:
        if not (Path(__file__).parent / f"answers_{stem.replace('-', '_')}.py").exists():
            assert stem not in by_stem, f"answers_{stem}.py is missing"
            continue
        extra = set(_answers(stem)) - by_stem.get(stem, set())
        assert not extra, f"answers_{stem}.py has entries for non-objective or missing questions: {extra}"
