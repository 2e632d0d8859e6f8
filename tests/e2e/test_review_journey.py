"""Browser: the whole review journey (acceptance 5). A candidate takes an interview; a mentor claims
it, scores the rubric with the keyboard, submits and releases; the candidate is notified, reads the
feedback and sees the progress chart. axe-clean review and feedback pages, no CSP errors."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def journey(live_server: str) -> dict[str, Any]:
    from app.interviews import formats
    from tests.factories import UserFactory, committed, publish_questions
    from tests.reviews.conftest import bank_docs, format_doc

    async def prepare() -> dict[str, Any]:
        async with committed(os.environ["MLMOCK_E2E_DATABASE_URL"]) as maker:
            async with maker() as s:
                await publish_questions(s, bank_docs("e2e-rv"))
                fmt = await formats.save_format(
                    s,
                    format_doc(
                        title="Review journey",
                        blind_review=True,
                        slots=[{"external_id": f"e2e-rv-{k}"} for k in ("text", "single", "numeric")],
                    ),
                    admin=None,
                )
                await s.commit()
            cand, _ = await UserFactory(maker).create(name="Rhea Journeyman")
            mentor, _ = await UserFactory(maker).create(name="Milo Mentor", roles=["candidate", "mentor"])
        return {"format": str(fmt.id), "candidate": cand.email, "mentor": mentor.email}

    return in_thread(prepare)  # type: ignore[no-any-return]


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r".*/(login)?$"))


def test_candidate_mentor_release_feedback_progress(page, journey) -> None:  # type: ignore[no-untyped-def]
    # the candidate takes the interview
    sign_in(page, journey["candidate"])
    page.goto("/interviews")
    page.click("text=Start “Review journey”")
    page.click("#start-clock")  # after reading the instructions
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    attempt_url = page.url
    page.fill("form[data-kind=free_text] textarea", "A large step **diverges**: $|1 - 2\\eta| > 1$.")
    page.locator("form[data-kind=single_choice] input[type=radio]").first.check()
    page.fill("form[data-kind=numeric] input[name=number]", "0.5")
    page.wait_for_function("() => document.querySelectorAll('.nav-item.answered').length === 3")
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit-link")
    page.wait_for_url("**/submit")
    page.click("text=Submit my answers")
    page.wait_for_url("**/results")
    sign_out(page)

    # the mentor claims it from the queue (filtered to this format) and scores with the keyboard
    sign_in(page, journey["mentor"])
    page.goto(f"/reviews?format_id={journey['format']}")
    page.click("#claim-next")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    main = page.inner_text("main")
    assert "Rhea" not in main and "blind review" in main
    assert page.locator(".candidate-answer mjx-container, .candidate-answer math").count() >= 1
    assert axe_violations(page) == []
    # drafts save with the attempt page's module (static/js/autosave.js): a 503 with Retry-After
    # is resent identically (same save id and base) and then stored
    sent: list[Any] = []

    def busy_once(route) -> None:  # type: ignore[no-untyped-def]
        sent.append(route.request.post_data_json)
        if len(sent) == 1:
            body = '{"error": "Busy.", "reason": "unavailable"}'
            route.fulfill(
                status=503, headers={"Retry-After": "1"}, content_type="application/json", body=body
            )
        else:
            route.continue_()

    page.route("**/reviews/*/draft", busy_once)
    page.locator("fieldset.criterion input[type=radio]").first.focus()
    for key in ("2", "4", "3", "3", "4", "3", "5"):  # Correctness 1 pt, Explanation 3 pt, 4 signals, "Yes"
        page.keyboard.press(key)
    assert page.locator("fieldset.criterion").nth(0).locator("input:checked").get_attribute("value") == "1"
    assert page.locator("fieldset.criterion").nth(1).locator("input:checked").get_attribute("value") == "3"
    assert page.inner_text("output[data-points-for]") == "4"
    assert page.locator("#rec-yes").is_checked()
    page.fill("#summary", "Clear on divergence; state the condition on $\\eta$ precisely.")
    page.wait_for_selector("#save-status[data-state=saved]")
    assert re.match(r"^Saved \d\d:\d\d:\d\d$", page.inner_text("#save-status"))
    assert len(sent) >= 2 and sent[1] == sent[0] and sent[0]["base_revision"] == 0
    screenshot(page, "review-page")
    page.click("#submit-review")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    assert "You submitted this review" in page.inner_text("main")
    assert axe_violations(page) == []
    page.click("#release-feedback")
    page.wait_for_url("**/reviews")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
    sign_out(page)

    # the candidate is notified, reads the feedback, rates it, and sees the progress chart
    sign_in(page, journey["candidate"])
    page.wait_for_selector("#notification-badge strong")
    assert page.inner_text("#notification-badge strong") == "1"
    page.goto(attempt_url + "/results")
    page.click("#feedback-link")
    page.wait_for_url("**/feedback")
    main = page.inner_text("main")
    # free text 4/5 = 0.8; single choice 1; numeric 1 → 93.3 %
    assert "93.3 %" in main and "Yes" in main and "Reviewer 1" in main
    assert "Clear on divergence" in main and "Milo" not in main
    assert axe_violations(page) == []
    screenshot(page, "feedback-page")
    page.check("#rating-5")
    page.click("text=Send rating")
    page.wait_for_selector("text=your rating is saved")
    page.goto("/progress")
    page.wait_for_function("() => document.querySelector('.progress-chart img').naturalWidth > 0")
    assert page.locator("#progress-table tbody tr").count() >= 2
    assert axe_violations(page) == []
    screenshot(page, "progress-page")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
