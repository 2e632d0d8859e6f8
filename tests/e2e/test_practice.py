"""Browser: practice mode — answer, instant grading with per-option feedback, self-assessment of a
written answer, then the reveal. axe-clean, no CSP errors."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_review_journey import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def practice(live_server: str) -> dict[str, Any]:
    from tests.factories import UserFactory, committed, publish_questions
    from tests.practice.conftest import FEEDBACK_DOC
    from tests.reviews.conftest import bank_docs

    async def prepare() -> dict[str, Any]:
        async with committed(os.environ["MLMOCK_E2E_DATABASE_URL"]) as maker:
            async with maker() as s:
                docs = [*bank_docs("e2e-pr"), FEEDBACK_DOC.model_copy(update={"external_id": "e2e-pr-multi"})]
                ids = {q.external_id: q.id for q in await publish_questions(s, docs)}
                await s.commit()
            cand, _ = await UserFactory(maker).create(name="Pia Practice")
        return {"multi": str(ids["e2e-pr-multi"]), "text": str(ids["e2e-pr-text"]), "candidate": cand.email}

    return in_thread(prepare)  # type: ignore[no-any-return]


def test_practice_grades_at_once_and_reveals_after_self_assessment(page, practice) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, practice["candidate"])
    page.goto(f"/questions/{practice['multi']}")
    page.click("#practise-link")
    page.wait_for_url(f"**/practice/{practice['multi']}")
    assert axe_violations(page) == []
    boxes = page.locator("#practice-form input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.click("#practice-submit")
    page.wait_for_selector("#practice-score")
    assert "Correct." not in page.inner_text("#practice-score")
    feedback = page.inner_text("#option-feedback")
    assert "the iterates blow up" in feedback and "your choice" in feedback
    assert page.locator("#reference-answer math").count() >= 1
    assert axe_violations(page) == []
    screenshot(page, "practice-graded")
    boxes.nth(2).uncheck()
    boxes.nth(1).check()
    page.click("#practice-submit")
    page.wait_for_function("() => document.querySelector('#practice-score').textContent.includes('Correct.')")

    page.goto(f"/practice/{practice['text']}")
    page.fill("#practice-text", "A step that is too large **diverges**.")
    page.click("#practice-submit")
    page.wait_for_selector("#self-score-form")
    assert page.locator("#reference-answer").count() == 0
    assert axe_violations(page) == []
    # skipping a criterion is refused; the reference stays hidden
    page.locator("input[name=level-0]").nth(1).check()
    page.click("#reveal")
    page.wait_for_selector("#self-score-form .field-error")
    assert page.locator("#reference-answer").count() == 0
    page.locator("input[name=level-1]").nth(2).check()
    page.click("#reveal")
    page.wait_for_selector("#reference-answer")
    assert "it converges" in page.inner_text("#reference-answer")
    assert "Too small a step is slow." in page.inner_text("#key-points")
    assert axe_violations(page) == []
    screenshot(page, "practice-revealed")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
