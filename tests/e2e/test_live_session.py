"""Browser: a live mock interview in two browser contexts. The candidate waits on the booking
page; the mentor opens the session there; the candidate's page shows "Join" (from the stream),
the candidate types an answer and the mentor's live page shows the text as it is saved. Both
pages axe-clean, no CSP errors.

Extending (the follow-up ladder): the `live_pair` fixture gives the mentor's live page and the
candidate's attempt page, both connected; a test adds its steps on them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_review_journey import sign_in

pytestmark = pytest.mark.e2e


@dataclass
class LivePair:
    mentor: Any  # the mentor's page, on /live/{session}
    candidate: Any  # the candidate's page, on /attempts/{attempt}
    booking_id: str
    errors: list[str]  # console errors (CSP refusals show here) of both pages
    ids: dict[str, str]  # e-mails of mentor, candidate and an admin; the format's id


def _booked(prefix: str) -> dict[str, str]:
    """A mentor, a candidate, and a 30-minute slot starting in 5 minutes booked by the candidate."""
    from app.booking import service as booking
    from app.interviews import formats
    from app.kit import clock
    from tests.factories import UserFactory, committed, publish_questions
    from tests.live_session.conftest import bank_docs, format_doc

    async def prepare() -> dict[str, str]:
        async with committed(os.environ["MLMOCK_E2E_DATABASE_URL"]) as maker:
            async with maker() as s:
                docs = [
                    d.model_copy(update={"external_id": f"{prefix}-{d.external_id}"}) for d in bank_docs()
                ]
                await publish_questions(s, docs)
                fmt = await formats.save_format(
                    s, format_doc().model_copy(update={"title": f"Live e2e {prefix}"}), admin=None
                )
                await s.commit()
            users = UserFactory(maker)
            candidate, _ = await users.create(name="Cora Candidate")
            mentor, _ = await users.create(name="Milo Mentor", roles=["candidate", "mentor"])
            admin, _ = await users.create(name="Ada Admin", roles=["admin"])
            async with maker() as s:
                start = (clock.now() + timedelta(minutes=6)).replace(second=0, microsecond=0)
                slot = await booking.add_slot(s, mentor, start, 30, [fmt.id])
                b = await booking.book(s, candidate, slot.id, fmt.id)
                await s.commit()
        return {
            "booking": str(b.id),
            "candidate": candidate.email,
            "mentor": mentor.email,
            "admin": admin.email,
            "format": str(fmt.id),
        }

    return in_thread(prepare)  # type: ignore[no-any-return]


def _context(browser, live_server: str, errors: list[str]):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page


@pytest.fixture
def live_pair(browser, live_server) -> Iterator[LivePair]:  # type: ignore[no-untyped-def]
    """The session opened by the mentor while the candidate waits on the booking page, which then
    offers "Join" by itself; the candidate joined."""
    ids = _booked(os.urandom(4).hex())
    errors: list[str] = []
    mentor_ctx, mentor = _context(browser, live_server, errors)
    candidate_ctx, candidate = _context(browser, live_server, errors)
    try:
        sign_in(candidate, ids["candidate"])
        candidate.goto(f"/bookings/{ids['booking']}")
        candidate.wait_for_selector("#live-waiting")  # the live block, loaded by htmx
        # the stream is open once the page's EventSource is connected
        candidate.wait_for_function(
            "() => document.getElementById('live-panel').dataset.liveConnected === '1'"
        )
        sign_in(mentor, ids["mentor"])
        mentor.goto(f"/bookings/{ids['booking']}")
        mentor.click("#open-live")
        mentor.wait_for_url(re.compile(r".*/live/[0-9a-f-]+$"))
        mentor.wait_for_selector("#live-connection[data-state=live]")
        # the candidate did not reload: the stream brought the Join link
        candidate.wait_for_selector("#join-live", state="visible")
        candidate.click("#join-live")
        candidate.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
        candidate.wait_for_selector("#live-panel")
        yield LivePair(mentor, candidate, ids["booking"], errors, ids)
    finally:
        mentor_ctx.close()
        candidate_ctx.close()


def test_the_mentor_sees_typed_text_appear(live_pair: LivePair) -> None:
    mentor, candidate = live_pair.mentor, live_pair.candidate
    assert axe_violations(mentor) == []
    box = candidate.locator("textarea[name=text]").first
    item_id = box.evaluate("el => el.closest('form').dataset.itemId")
    box.click()
    box.type("Momentum averages past gradients", delay=15)
    answer = mentor.locator(f'[data-item-id="{item_id}"] [data-answer]')
    mentor.wait_for_function(
        'id => document.querySelector(`[data-item-id="${id}"] [data-answer]`).textContent'
        " === 'Momentum averages past gradients'",
        arg=item_id,
    )
    assert answer.inner_text() == "Momentum averages past gradients"
    saved = mentor.locator(f'[data-item-id="{item_id}"] [data-saved-text]').inner_text()
    assert saved.startswith("saved at")
    assert axe_violations(candidate) == []
    screenshot(mentor, "live-mentor")
    screenshot(candidate, "live-candidate")
    assert live_pair.errors == []


def test_an_extension_moves_both_countdowns(browser, live_server, live_pair: LivePair) -> None:  # type: ignore[no-untyped-def]
    mentor, candidate = live_pair.mentor, live_pair.candidate
    before = mentor.get_attribute("#live-deadline", "datetime")
    assert candidate.get_attribute("#deadline", "datetime") == before
    context, admin = _context(browser, live_server, live_pair.errors)
    try:
        sign_in(admin, live_pair.ids["admin"])
        admin.goto(f"/admin/formats/{live_pair.ids['format']}")
        admin.fill(".extend-form input[name=minutes]", "7")
        admin.click(".extend-form button[type=submit]")
        admin.wait_for_load_state()
    finally:
        context.close()
    # the stream brings attempt.deadline_changed to the mentor's page, which moves its countdown
    mentor.wait_for_function(
        "before => document.getElementById('live-deadline').getAttribute('datetime') !== before", arg=before
    )
    candidate.wait_for_function(
        "before => document.getElementById('deadline').getAttribute('datetime') !== before", arg=before
    )
    after = mentor.get_attribute("#live-deadline", "datetime")
    moved = mentor.evaluate("([a, b]) => (new Date(b) - new Date(a)) / 1000", [before, after])
    assert moved == 7 * 60
    assert live_pair.errors == []
