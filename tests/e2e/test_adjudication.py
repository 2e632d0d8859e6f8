"""Browser: annotating, adjudicating and the candidate's view (issue 21). A candidate answers with
non-ASCII text; the first mentor selects words of the answer and comments on them; two mentors
disagree; a third mentor claims the disagreement, compares the reviews side by side and settles it
with a reason; the candidate sees the adjudicated result with the highlighted words and reaches the
comment by keyboard. axe clean, no CSP errors."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_review_journey import sign_in, sign_out

pytestmark = pytest.mark.e2e

ANSWER = "With θ ≈ θ − η∇L 🙂 the step <b>overshoots</b> when η > 1."
QUOTE = "η∇L 🙂"


@pytest.fixture(scope="module")
def story(live_server: str) -> dict[str, Any]:
    from app.interviews import formats
    from tests.factories import UserFactory, committed, publish_questions
    from tests.reviews.conftest import bank_docs, format_doc

    async def prepare() -> dict[str, Any]:
        async with committed(os.environ["MLMOCK_E2E_DATABASE_URL"]) as maker:
            async with maker() as s:
                await publish_questions(s, bank_docs("e2e-adj"))
                fmt = await formats.save_format(
                    s,
                    format_doc(
                        title="Adjudication journey",
                        reviewers_required=2,
                        auto_release=True,
                        slots=[{"external_id": "e2e-adj-text"}],
                    ),
                    admin=None,
                )
                await s.commit()
            users = UserFactory(maker)
            cand, _ = await users.create(name="Ada Candidate")
            out = {"format": str(fmt.id), "candidate": cand.email}
            for key in ("m1", "m2", "third"):
                u, _ = await users.create(name=f"Mentor {key}", roles=["candidate", "mentor"])
                out[key] = u.email
        return out

    return in_thread(prepare)  # type: ignore[no-any-return]


def review(page, story: dict[str, Any], email: str, keys: tuple[str, ...], summary: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, email)
    page.goto(f"/reviews?format_id={story['format']}")
    page.click("#claim-next")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    page.locator("fieldset.criterion input[type=radio]").first.focus()
    for key in keys:  # two criteria, four signals, the recommendation
        page.keyboard.press(key)
    page.fill("#summary", summary)
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit-review")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    sign_out(page)


def select_words(page, words: str) -> None:  # type: ignore[no-untyped-def]
    """Select `words` inside the annotatable answer, as a mouse drag would."""
    page.evaluate(
        """(words) => {
            const box = document.querySelector('[data-annotatable]');
            const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(words);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + words.length);
                    const sel = document.getSelection();
                    sel.removeAllRanges();
                    sel.addRange(range);
                    return;
                }
            }
            throw new Error('not found: ' + words);
        }""",
        words,
    )


def test_annotate_adjudicate_and_the_candidates_view(page, story) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, story["candidate"])
    page.goto("/interviews")
    page.click("text=Start “Adjudication journey”")
    page.click("#start-clock")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    attempt_url = page.url
    page.fill("form[data-kind=free_text] textarea", ANSWER)
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit-link")
    page.wait_for_url("**/submit")
    page.click("text=Submit my answers")
    page.wait_for_url("**/results")
    sign_out(page)

    # the first mentor selects words of the answer and comments on them
    sign_in(page, story["m1"])
    page.goto(f"/reviews?format_id={story['format']}")
    page.click("#claim-next")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    select_words(page, QUOTE)
    page.wait_for_function("(q) => document.querySelector('#annotate-1-quote').value === q", arg=QUOTE)
    page.fill("#annotate-1-comment", "Which norm of the gradient? <i>say it</i>")
    page.click("#annotate-1 button[type=submit]")
    page.wait_for_selector("[data-annotatable] mark")
    assert page.inner_text("[data-annotatable] mark") == QUOTE
    assert "Which norm of the gradient? <i>say it</i>" in page.inner_text(".annotation-notes")
    assert page.locator("[data-annotatable] b").count() == 0  # the answer's markup stays text
    assert axe_violations(page) == []
    screenshot(page, "annotate")
    page.locator("fieldset.criterion input[type=radio]").first.focus()
    for key in ("1", "1", "1", "1", "1", "1", "1"):  # lowest levels and signals, strong no
        page.keyboard.press(key)
    page.fill("#summary", "Too vague on the step size.")
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit-review")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    sign_out(page)
    # the second mentor scores high: strong yes against strong no → flagged
    review(page, story, story["m2"], ("3", "4", "4", "4", "4", "4", "6"), "Excellent and precise.")

    # the third mentor adjudicates
    sign_in(page, story["third"])
    page.goto("/adjudication")
    row = page.locator("tr", has_text="Adjudication journey")
    row.locator("button.claim-adjudication").click()
    page.wait_for_url(re.compile(r".*/adjudication/[0-9a-f-]+$"))
    main = page.inner_text("main")
    assert "Too vague on the step size." in main and "Excellent and precise." in main
    assert "Strong no" in main and "Strong yes" in main
    assert page.locator("table.side-by-side mark").count() == 0  # marks are in the answer, not the table
    assert page.inner_text(".annotated-answer mark") == QUOTE
    assert axe_violations(page) == []
    screenshot(page, "adjudicate")
    selects = page.locator("#settle-form select[id$='-level-0'], #settle-form select[id$='-level-1']")
    selects.nth(0).select_option("1")  # 1 of 2 points
    selects.nth(1).select_option("2")  # 2 of 3 points
    page.select_option("#recommendation", "lean_yes")
    page.fill("#reason", "Right idea, imprecise condition: between the two reviews.")
    page.click("#settle-adjudication")
    page.wait_for_selector("#adjudication-settled")
    assert "60.0 %" in page.inner_text("#adjudication-settled")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
    sign_out(page)

    # the candidate: the adjudicated result (released by the settlement), the originals, the marks
    sign_in(page, story["candidate"])
    page.goto(attempt_url + "/feedback")
    main = page.inner_text("main")
    assert "Adjudicated result." in main and "60.0 %" in main and "Lean yes" in main
    assert "Right idea, imprecise condition" in main and "Excellent and precise." in main
    assert page.inner_text(".annotated-answer mark") == QUOTE
    # the comment is reached by keyboard: the link after the mark leads to it, and back
    link = page.locator(".annotated-answer a.note-ref").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*#a1-note-1$"))
    assert "Which norm of the gradient?" in page.inner_text("#a1-note-1")
    assert axe_violations(page) == []
    screenshot(page, "feedback-adjudicated")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
