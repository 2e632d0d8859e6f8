"""Browser: self-assessment after submitting, then the calibration chart once a mentor's feedback is
released. axe-clean pages, no CSP errors."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_review_journey import sign_in, sign_out

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def setup(live_server: str) -> dict[str, Any]:
    from app.interviews import formats
    from tests.factories import UserFactory, committed, publish_questions
    from tests.reviews.conftest import bank_docs, format_doc

    async def prepare() -> dict[str, Any]:
        async with committed(os.environ["MLMOCK_E2E_DATABASE_URL"]) as maker:
            async with maker() as s:
                await publish_questions(s, bank_docs("e2e-cal"))
                doc = format_doc(title="Calibration run", slots=[{"external_id": "e2e-cal-text"}])
                fmt = await formats.save_format(s, doc, admin=None)
                await s.commit()
            cand, _ = await UserFactory(maker).create(name="Cal Candidate")
            mentor, _ = await UserFactory(maker).create(name="Cal Mentor", roles=["candidate", "mentor"])
        return {"format": str(fmt.id), "candidate": cand.email, "mentor": mentor.email}

    return in_thread(prepare)  # type: ignore[no-any-return]


def test_predict_release_and_calibration_chart(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["candidate"])
    page.goto(f"/interviews/{setup['format']}/start")
    page.click("#start-clock")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    attempt_url = page.url
    page.fill("form[data-kind=free_text] textarea", "Too large a step overshoots and diverges.")
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit-link")
    page.wait_for_url("**/submit")
    page.click("text=Submit my answers")
    page.wait_for_url("**/results")

    # predict: Correctness level 2 (of 0–2), Explanation level 3; each choice saves at once
    page.click("#predict-link")
    page.wait_for_url("**/self-assessment")
    page.check("input[name=level-0][value='2']")
    page.wait_for_selector("#p-status-1:has-text('Saved')")
    page.check("input[name=level-1][value='3']")
    page.wait_for_function("() => document.querySelector('#p-status-1').textContent.includes('Saved')")
    assert axe_violations(page) == []
    screenshot(page, "self-assessment")
    page.reload()
    assert page.locator("input[name=level-0][value='2']").is_checked()
    assert page.locator("input[name=level-1][value='3']").is_checked()
    sign_out(page)

    # the mentor scores Correctness 1 and Explanation 3, submits and releases
    sign_in(page, setup["mentor"])
    page.goto(f"/reviews?format_id={setup['format']}")
    page.click("#claim-next")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    page.locator("fieldset.criterion input[type=radio]").first.focus()
    for key in ("2", "4", "3", "3", "4", "3", "5"):
        page.keyboard.press(key)
    page.fill("#summary", "Good; say when it converges.")
    page.wait_for_selector("#save-status[data-state=saved]")
    page.click("#submit-review")
    page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    page.click("#release-feedback")
    page.wait_for_url("**/reviews")
    sign_out(page)

    sign_in(page, setup["candidate"])
    page.goto(attempt_url + "/self-assessment")
    assert page.locator("#predictions-closed").is_visible()
    page.goto("/progress")
    page.click("#calibration-link")
    page.wait_for_url("**/progress/calibration")
    assert "You overrate yourself on Optimisation by 0.5 levels." in page.inner_text("#calibration-sentences")
    chart = page.locator("figure.chart svg")
    assert chart.is_visible() and chart.locator("circle.dot").count() == 1
    assert page.locator("#calibration-table tbody tr").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "calibration-page")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
