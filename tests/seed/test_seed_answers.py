"""Every objective answer in the seed bank is recomputed from the numbers in its prompt."""

from __future__ import annotations

import importlib
import math
import re
from pathlib import Path
from typing import Any

import pytest

from app.questions.native import Kind, QuestionDoc
from app.questions.seedcheck import SEED_DIR, load_question_file


def _objective() -> list[tuple[str, QuestionDoc]]:
    out = []
    for path in sorted((SEED_DIR / "questions").glob("*.yaml")):
        for doc in load_question_file(path):
            # parametrised questions have no fixed answer: their generators are checked on many seeds
            # in tests/questions/test_generators.py
            if doc.kind not in (Kind.free_text, Kind.parametrised):
                out.append((path.stem, doc))
    return out


OBJECTIVE = _objective()


def _answers(stem: str) -> dict[str, Any]:
    module = importlib.import_module(f"tests.seed.answers_{stem.replace('-', '_')}")
    return dict(module.ANSWERS)


# recomputations that take seconds (`slow`: make test-fast leaves them out, make test runs them)
SLOW = {"lt-vc-halfplane-shattering"}  # ~5,000 linear programs (random 4-point sets, every labelling)


@pytest.mark.parametrize(
    ("stem", "doc"),
    [
        pytest.param(
            stem, doc, id=doc.external_id or "?", marks=[pytest.mark.slow] if doc.external_id in SLOW else []
        )
        for stem, doc in OBJECTIVE
    ],
)
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


NUMERIC = [(stem, doc) for stem, doc in OBJECTIVE if doc.kind is Kind.numeric]
_PLACES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@pytest.mark.parametrize(("stem", "doc"), NUMERIC, ids=[d.external_id or "?" for _, d in NUMERIC])
def test_numeric_key_is_unrounded_and_tolerance_accepts_the_asked_rounding(
    stem: str, doc: QuestionDoc
) -> None:
    """The key is the exact value (the tolerance, not the key, absorbs a candidate's rounding)."""
    assert doc.numeric is not None
    n = doc.numeric
    computed = float(_answers(stem)[doc.external_id]())
    assert math.isclose(n.value, computed, rel_tol=1e-6, abs_tol=1e-9), (
        f"store the unrounded key {computed!r}, not {n.value!r}"
    )
    asked = re.search(r"\b(\d|one|two|three|four|five|six) decimal", doc.prompt)
    if asked:
        places = int(_PLACES.get(asked.group(1), asked.group(1)))
        tol = n.tolerance if n.tolerance_mode == "absolute" else abs(n.value) * n.tolerance
        assert abs(round(computed, places) - computed) <= tol + 1e-12, (places, tol)
