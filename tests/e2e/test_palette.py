"""Browser: during an attempt (issue 16) — flag a question with the keyboard, the palette shows
answered / flagged / where you are in text (not colour alone), the private scratchpad autosaves and
survives a reload, sharing is the candidate's explicit choice. axe-clean at both sizes, no
horizontal scroll at 390 px, no console (CSP) errors after the htmx swaps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot, uvicorn_server
from tests.e2e.test_walk import OVERFLOW
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def palette_site(make_database) -> Iterator[tuple[str, str, list[str]]]:  # type: ignore[no-untyped-def]
    from app.db import make_engine, make_sessionmaker
    from app.interviews import formats
    from tests.factories import UserFactory
    from tests.interviews.conftest import build_bank, format_doc

    url = make_database("mlmock_e2e_palette")
    emails = [f"palette-{i}-{uuid.uuid4().hex[:6]}@example.org" for i in range(2)]

    async def prepare() -> str:
        engine = make_engine(url, pool_size=1)
        maker = make_sessionmaker(engine)
        async with maker() as s:
            await build_bank(s)
            fmt = await formats.save_format(
                s, format_doc(title="Palette check", time_limit_minutes=30), admin=None
            )
            await s.commit()
        for email in emails:
            await UserFactory(maker).create(email=email, name="Pat Palette")
        await engine.dispose()
        return str(fmt.id)

    format_id = in_thread(prepare)
    with uvicorn_server(url, "e2e-palette-server.log") as base:
        yield base, format_id, emails


# The palette squares whose left or right edge lies outside the nearest box that clips them.
CLIPPED = """() => {
  const out = [];
  for (const item of document.querySelectorAll('.navigator .nav-item')) {
    let box = item.parentElement;
    while (box && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
    const c = (box || document.documentElement).getBoundingClientRect();
    const r = item.getBoundingClientRect();
    if (r.left < c.left - 0.5 || r.right > c.right + 0.5) out.push(item.textContent.trim());
  }
  return out;
}"""


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_flag_palette_and_scratchpad(browser, palette_site, size: str) -> None:  # type: ignore[no-untyped-def]
    base, format_id, emails = palette_site
    viewport = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}[size]
    context = browser.new_context(base_url=base, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/login")
        page.fill("#email", emails[0 if size == "desktop" else 1])
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda u: "/login" not in u)
        page.goto(f"/interviews/{format_id}/start")
        page.click("#start-clock")
        page.wait_for_selector("#palette-summary:not(:empty)")  # the page's scripts ran
        assert page.inner_text("#palette-summary") == "0 of 4 answered"
        assert axe_violations(page) == []

        flag = page.locator("#item-2 .flag-button")
        flag.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#item-2 .flag-button[aria-pressed='true']")
        second = page.locator(".navigator [data-nav-item]").nth(1)
        assert "flagged" in (second.get_attribute("class") or "")
        assert "flagged for review" in second.inner_text() or "flagged for review" in second.text_content()
        assert page.inner_text("#palette-summary") == "0 of 4 answered · 1 flagged for review"

        page.locator("#item-3 h2").scroll_into_view_if_needed()
        page.locator("#item-3 .answer-form :is(input:not([type=hidden]), textarea)").first.focus()
        page.wait_for_selector(".navigator li:nth-child(3) [aria-current='true']")
        assert page.locator(".navigator [aria-current]").count() == 1

        with page.expect_response(lambda r: r.url.endswith("/notes") and r.request.method == "POST") as saved:
            page.fill("#notes-text", "Q2: re-check the sign of the gradient")
            page.locator("#notes-text").blur()
        assert saved.value.status == 200
        page.wait_for_selector("#save-status[data-state='saved']")

        page.reload()
        assert page.input_value("#notes-text") == "Q2: re-check the sign of the gradient"
        assert page.get_attribute("#item-2 .flag-button", "aria-pressed") == "true"
        page.click("#notes-share button")
        page.wait_for_selector("#notes-share >> text=Shared")
        assert axe_violations(page) == []
        assert page.evaluate(OVERFLOW) is None
        assert page.evaluate(CLIPPED) == [], "a palette square is cut off by its scrolling box"
        screenshot(page, f"attempt-palette-{size}")
    finally:
        context.close()
    assert errors == []
