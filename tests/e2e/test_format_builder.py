"""Browser: an admin builds a format without YAML or ids (issue 16) — searches the bank with the
keyboard, adds a fixed question and a drawn slot, moves a slot with the keyboard (focus follows
it), sees the estimate warn against a short time limit, previews as a candidate, saves. axe-clean
at both sizes, no horizontal scroll at 390 px, no console (CSP) errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot, uvicorn_server
from tests.e2e.test_walk import OVERFLOW
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def builder_site(make_database) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    from app.db import make_engine, make_sessionmaker
    from tests.factories import UserFactory
    from tests.interviews.conftest import build_bank

    url = make_database("mlmock_e2e_builder")
    email = f"builder-{uuid.uuid4().hex[:6]}@example.org"

    async def prepare() -> None:
        engine = make_engine(url, pool_size=1)
        maker = make_sessionmaker(engine)
        async with maker() as s:
            await build_bank(s)
            await s.commit()
        await UserFactory(maker).create(
            roles=["candidate", "mentor", "admin"], email=email, name="Bea Builder"
        )
        await engine.dispose()

    in_thread(prepare)
    with uvicorn_server(url, "e2e-builder-server.log") as base:
        yield base, email


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_build_a_format_with_the_picker_and_the_keyboard(browser, builder_site, size: str) -> None:  # type: ignore[no-untyped-def]
    base, email = builder_site
    viewport = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}[size]
    context = browser.new_context(base_url=base, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda u: "/login" not in u)
        page.goto("/admin/formats/new")
        assert axe_violations(page) == []
        page.fill("#title", f"Built in the browser ({size})")

        page.fill("#pick-q", "convex")
        page.press("#pick-q", "Enter")  # searches; does not save
        page.wait_for_selector("#picker-results")
        assert page.evaluate("document.activeElement.id") == "picker-results"
        page.click("#picker-results button:has-text('Multiple 0')")
        page.wait_for_selector("#slot-1 >> text=Multiple 0")
        assert page.evaluate("document.activeElement.id") == "slot-1"

        page.fill("#pick-q", "")
        page.select_option("#pick-kind", "numeric")
        page.click("button[value='add-draw']")
        page.wait_for_selector("#slot-2")
        assert "Can draw from 2 published questions" in page.inner_text("#slot-2")

        page.focus("#up-1")  # the keyboard moves "Multiple 0" to the top
        page.keyboard.press("Enter")
        page.wait_for_selector("#slot-0 >> text=Multiple 0")
        assert page.evaluate("document.activeElement.id") == "down-0"
        assert "moved up to position 1" in page.inner_text("#builder-status")

        page.fill("#time_limit_minutes", "5")
        page.click("button[value='check']")
        page.wait_for_selector("#time-estimate.form-warning")
        assert "more than the time limit" in page.inner_text("#time-estimate")
        page.fill("#time_limit_minutes", "30")

        page.click("button[value='preview']")
        page.wait_for_selector("#format-preview")
        assert page.evaluate("document.activeElement.id") == "format-preview"
        assert "Question 1 of" in page.inner_text("#format-preview")
        assert axe_violations(page) == []
        assert page.evaluate(OVERFLOW) is None
        screenshot(page, f"format-builder-{size}")

        page.click("#format-form .form-actions button[value='save']")
        page.wait_for_url("**/admin/formats/*?saved=1")
        assert page.inner_text("#slot-0 .slot-question").startswith("Multiple 0")
        assert axe_violations(page) == []
        assert page.evaluate(OVERFLOW) is None
    finally:
        context.close()
    assert errors == []


def test_htmx_swaps_raise_no_inline_style_csp_errors(browser, builder_site) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 defect 7 ("CSP inline style console errors after htmx swaps"): htmx's settle step
    copied the old element's `style` attribute onto its swapped-in twin with setAttribute, which a
    CSP without 'unsafe-inline' refuses. A textarea the user resized carries such a style."""
    base, email = builder_site
    context = browser.new_context(base_url=base)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda u: "/login" not in u)
        page.goto("/admin/formats/new")
        page.evaluate(
            "() => { document.getElementById('description').style.height = '240px'; }"
        )  # a drag-resize
        for _ in range(2):
            with page.expect_response(lambda r: r.request.method == "POST"):
                page.click("button[value='check']")
            page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # past htmx's settle step
    finally:
        context.close()
    assert [e for e in errors if "Content Security Policy" in e or "inline style" in e] == []
