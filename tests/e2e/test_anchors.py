"""Browser (issue 21): an admin writes an anchor answer (the form refuses an incomplete one with
messages), a new mentor's calibration set brings it as an ordinary review, the reference appears
only after the submit, and the mentor's and the admin's calibration figures show it. axe-clean."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_review_journey import PASSWORD, sign_in, sign_out

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def setup(live_server: str) -> dict[str, Any]:
    from app.auth.bootstrap import create_admin_account
    from app.interviews import formats
    from tests.factories import UserFactory, committed, publish_questions
    from tests.reviews.conftest import bank_docs, format_doc

    url = os.environ["MLMOCK_E2E_DATABASE_URL"]
    admin = f"anchors-{uuid.uuid4().hex[:8]}@example.org"

    async def prepare() -> dict[str, Any]:
        await create_admin_account(url, email=admin, name="Anchor Admin", password=PASSWORD)
        async with committed(url) as maker:
            async with maker() as s:
                await publish_questions(s, bank_docs("e2e-anc"))
                doc = format_doc(title="Blind calibration round", slots=[{"external_id": "e2e-anc-text"}])
                doc = doc.model_copy(update={"blind_review": True})
                fmt = await formats.save_format(s, doc, admin=None)
                await s.commit()
            mentor, _ = await UserFactory(maker).create(name="New Mentor", roles=["candidate", "mentor"])
        return {"format": str(fmt.id), "admin": admin, "mentor": mentor.email}

    return in_thread(prepare)  # type: ignore[no-any-return]


def _retire_all(page, admin: str) -> None:  # type: ignore[no-untyped-def]
    """Other browser tests' new mentors share this server: leave no active anchor behind."""
    page.context.clear_cookies()
    sign_in(page, admin)
    page.goto("/admin/anchors")
    while page.locator("button:has-text('Retire')").count():
        page.locator("button:has-text('Retire')").first.click()
        page.wait_for_load_state()


def test_anchor_written_reviewed_and_revealed(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["admin"])
    try:
        page.goto("/admin/anchors")
        assert axe_violations(page) == []
        page.select_option("#a-question", label="Step size")
        page.click("text=Continue")
        page.wait_for_url(re.compile(r".*/admin/anchors/new\?question_id=.*"))
        page.fill("#answer_text", "The step must stay below 1, or the iterates grow.")
        page.click("#save-anchor")
        assert page.locator(".error-box").is_visible()
        assert "Choose the format it is presented under." in page.inner_text("main")
        assert "Choose the reference level for “Correctness”." in page.inner_text("main")
        assert axe_violations(page) == []
        screenshot(page, "anchor-form-errors")
        assert page.input_value("#answer_text") == "The step must stay below 1, or the iterates grow."
        page.select_option("#format_id", label="Blind calibration round")
        page.check("#level-0-2")
        page.check("#level-1-1")
        page.select_option("#recommendation", "lean_yes")
        page.fill("#rationale", "Right threshold, but **no reason** why the iterates diverge.")
        page.click("#save-anchor")
        page.wait_for_url("**/admin/anchors")
        assert page.locator("tr[data-anchor]").count() >= 1
        sign_out(page)

        # the new mentor: the calibration set is announced; the anchor is an ordinary review page
        sign_in(page, setup["mentor"])
        page.goto("/reviews")
        assert page.locator("#calibration-set").is_visible()
        page.click("#claim-next")
        page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
        assert page.locator("#anchor-reveal").count() == 0
        assert "no reason" not in page.content()
        assert "iterates grow" in page.inner_text(".review-answer")
        page.locator("fieldset.criterion input[type=radio]").first.focus()
        for key in (
            "2",
            "2",
            "3",
            "3",
            "4",
            "3",
            "5",
        ):  # Correctness 1, Explanation 1, signals, recommendation
            page.keyboard.press(key)
        page.fill("#summary", "Right idea; give the reason.")
        page.wait_for_selector("#save-status[data-state=saved]")
        page.click("#submit-review")
        page.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
        reveal = page.locator("#anchor-reveal")
        assert reveal.is_visible()
        assert "no reason" in reveal.inner_text()
        assert "Part of your calibration set" in reveal.inner_text()
        assert axe_violations(page) == []
        screenshot(page, "anchor-revealed")
        page.click("text=Your calibration figures")
        page.wait_for_url("**/mentor/calibration")
        assert page.locator("figure.chart svg").is_visible()
        assert axe_violations(page) == []
        screenshot(page, "mentor-calibration")
        assert not [e for e in page.csp_errors if "Content Security Policy" in e]
        sign_out(page)

        sign_in(page, setup["admin"])
        page.goto("/admin/analytics/calibration")
        assert "New Mentor" in page.inner_text("main")
        assert axe_violations(page) == []
    finally:
        _retire_all(page, setup["admin"])
