"""Browser, two contexts (issue 20): the mentor opens a booked live session; a follow-up they send
from its ladder appears on the candidate's attempt page at once, the candidate's answer to it
appears on the mentor's page as it is saved, and a follow-up the mentor types reaches the candidate
too; the mentor's private notes autosave and, after the candidate submits, "Review this interview"
opens the review with the notes and the log. axe-clean pages, no CSP errors."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_review_journey import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def booked(live_server: str) -> dict[str, Any]:
    from app.auth.models import User
    from app.booking import service as booking
    from app.interviews import formats
    from tests.factories import UserFactory, committed, format_doc, ladder_doc, publish_questions

    async def prepare() -> dict[str, Any]:
        async with committed(os.environ["MLMOCK_E2E_DATABASE_URL"]) as maker:
            cand, _ = await UserFactory(maker).create(name="Lena Ladder")
            mentor, _ = await UserFactory(maker).create(
                name="Otto Interviewer", roles=["candidate", "mentor"]
            )
            async with maker() as s:
                await publish_questions(s, [ladder_doc("ladder-e2e")])
                doc = format_doc(
                    {"title": "Live ladder e2e", "slots": [{"external_id": "ladder-e2e"}]},
                    time_limit_minutes=30,
                )
                fmt = await formats.save_format(s, doc, admin=None)
                starts = (datetime.now(UTC) + timedelta(minutes=6)).replace(second=0, microsecond=0)
                m, c = await s.get(User, mentor.id), await s.get(User, cand.id)
                assert m is not None and c is not None
                slot = await booking.add_slot(s, m, starts, 60, [fmt.id])
                b = await booking.book(s, c, slot.id, fmt.id)
                await s.commit()
        return {"booking": str(b.id), "candidate": cand.email, "mentor": mentor.email}

    return in_thread(prepare)  # type: ignore[no-any-return]


def _context(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


def test_a_follow_up_reaches_the_candidate_and_the_answer_reaches_the_mentor(
    browser, live_server, booked
) -> None:  # type: ignore[no-untyped-def]
    m_ctx, mentor, m_errors = _context(browser, live_server)
    c_ctx, cand, c_errors = _context(browser, live_server)
    try:
        sign_in(mentor, booked["mentor"])
        mentor.goto(f"/bookings/{booked['booking']}")
        mentor.click("#open-live")
        mentor.wait_for_url(re.compile(r".*/live/[0-9a-f-]+$"))
        mentor.wait_for_selector("#live-connection[data-state=live]")

        sign_in(cand, booked["candidate"])
        cand.goto(f"/bookings/{booked['booking']}")
        cand.click("#join-live")
        cand.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
        cand.wait_for_selector("#live-panel")

        # the mentor asks the question's first follow-up: it appears on the candidate's page
        ladder = mentor.locator(".ladder").first
        ladder.locator("button", has_text="Ask follow-up 1").click()
        prompt = cand.locator(".live-prompt-follow-up").first
        prompt.wait_for()
        assert "What is" in prompt.inner_text()
        prompt.locator("textarea").fill("L = 2, since f'' = 2 everywhere.")
        cand.wait_for_selector("#save-status[data-state=saved]")
        # ... and the answer appears on the mentor's page as it is saved
        mentor.wait_for_selector("[data-answer-for]:has-text('since f')")
        assert "sent" in ladder.inner_text()

        # a follow-up the mentor types reaches the candidate too
        ladder.locator("textarea[name=text]").fill("Would momentum change that bound?")
        ladder.locator("button", has_text="Send follow-up").click()
        cand.wait_for_selector(".live-prompt:has-text('Would momentum change that bound?')")
        ladder.locator("button", has_text="Give hint 1").click()
        cand.wait_for_selector(".live-prompt-hint")

        mentor.fill("#interviewer-notes-text", "Quick on L; unsure about momentum.")
        mentor.wait_for_selector("#interviewer-notes-status[data-state=saved]")
        assert axe_violations(mentor) == []
        assert axe_violations(cand) == []
        screenshot(mentor, "live-ladder-mentor")
        screenshot(cand, "live-ladder-candidate")

        # the candidate submits; the mentor opens the review with the notes and the log
        cand.click("#submit-link")
        cand.click("main form button[type=submit]")
        cand.wait_for_url(re.compile(r".*/results$"))
        # no reload: the stream says the attempt is over and the session ended
        mentor.wait_for_selector("#live-connection[data-state=closed]")
        assert "submitted" in mentor.inner_text("#live-connection")
        mentor.click("#review-live")
        mentor.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
        assert mentor.input_value("#private_note") == "Quick on L; unsure about momentum."
        log = mentor.inner_text(".live-log")
        assert "Would momentum change that bound?" in log and "since f'' = 2" in log
        assert axe_violations(mentor) == []
        screenshot(mentor, "live-ladder-review")
        assert m_errors == [] and c_errors == []
    finally:
        m_ctx.close()
        c_ctx.close()
