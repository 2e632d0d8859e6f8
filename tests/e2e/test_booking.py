"""Browser: a mentor publishes a slot, a candidate in another time zone (the browser's own, saved
by booking.js) books it, sees it in their bookings with the calendar link, and cancels it.
axe-clean pages, no CSP errors."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_review_journey import sign_in, sign_out

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def setup(live_server: str) -> dict[str, Any]:
    from tests.booking.conftest import make_format
    from tests.factories import UserFactory, committed

    async def prepare() -> dict[str, Any]:
        async with committed(os.environ["MLMOCK_E2E_DATABASE_URL"]) as maker:
            fmt = await make_format(maker, "Live booking e2e")
            cand, _ = await UserFactory(maker).create(name="Bea Booker")
            mentor, _ = await UserFactory(maker).create(name="Max Slotmentor", roles=["candidate", "mentor"])
        return {"format": str(fmt), "candidate": cand.email, "mentor": mentor.email}

    return in_thread(prepare)  # type: ignore[no-any-return]


def test_mentor_publishes_candidate_books_and_cancels(browser, live_server, setup) -> None:  # type: ignore[no-untyped-def]
    start = (datetime.now(UTC) + timedelta(days=4)).replace(hour=9, minute=0, second=0, microsecond=0)
    for zone, role in (("UTC", "mentor"), ("Asia/Tokyo", "candidate")):
        context = browser.new_context(
            base_url=live_server, timezone_id=zone, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, setup[role])
        if role == "mentor":
            page.goto("/availability")
            page.fill("input[name=date]", start.date().isoformat())
            page.fill("input[name=time]", "09:00")
            page.fill("input[name=minutes]", "60")
            page.check("text=Live booking e2e")
            page.click("text=Publish slot")
            page.wait_for_selector("#my-slots")
            assert "Free" in page.inner_text("#my-slots")
            assert axe_violations(page) == []
            screenshot(page, "booking-availability")
        else:
            page.goto("/book")
            # booking.js saved the browser's zone and reloaded once: times are in Tokyo time
            page.wait_for_function("() => document.querySelector('#tz').value === 'Asia/Tokyo'")
            tokyo = start.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
            card = page.locator(".slot-card", has_text="Max Slotmentor")
            assert tokyo in card.inner_text()
            assert axe_violations(page) == []
            screenshot(page, "booking-book")
            card.locator("button", has_text="Book").click()
            page.wait_for_url(re.compile(r".*/bookings/[0-9a-f-]+$"))
            assert page.inner_text("#booking-status") == "booked"
            assert page.locator("a[href$='/calendar.ics']").count() == 1
            assert axe_violations(page) == []
            screenshot(page, "booking-session")
            page.goto("/book")
            assert "Live booking e2e with Max Slotmentor" in page.inner_text("#my-bookings")
            page.click("#my-bookings a >> nth=0")
            page.click("#cancel-booking")
            page.wait_for_selector("#booking-status:has-text('cancelled')")
            page.goto("/notifications")
            assert "cancelled" in page.inner_text("main")
        sign_out(page)
        assert errors == []
        context.close()
