"""Browser: dark mode remembered per account (issue 16). The toggle on one device saves the choice;
another device (a fresh browser context) signs in and gets the dark page from the server, before
any script ran; signed out, the choice stays per device."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import axe_violations, in_thread
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def _user() -> str:
    import os

    from app.db import make_engine, make_sessionmaker
    from tests.factories import UserFactory

    email = f"theme-{uuid.uuid4().hex[:8]}@example.org"

    async def create() -> None:
        engine = make_engine(os.environ["MLMOCK_E2E_DATABASE_URL"], pool_size=1)
        await UserFactory(make_sessionmaker(engine)).create(email=email, name="Theo Theme")
        await engine.dispose()

    in_thread(create)
    return email


def _sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


def test_dark_mode_follows_the_account_to_another_device(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    email = _user()
    laptop = browser.new_context(base_url=live_server, color_scheme="light")
    phone = browser.new_context(
        base_url=live_server, color_scheme="light", viewport={"width": 390, "height": 844}
    )
    errors: list[str] = []
    try:
        page = laptop.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _sign_in(page, email)
        page.goto("/interviews")
        with page.expect_response(lambda r: r.url.endswith("/account/theme")) as saved:
            page.click(".theme-toggle")
        assert saved.value.status == 204
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"

        other = phone.new_page()
        other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _sign_in(other, email)
        response = other.goto("/progress")
        assert response is not None and 'data-theme="dark"' in response.text().split(">", 2)[1]
        assert other.evaluate("document.documentElement.dataset.theme") == "dark"
        other.click(".nav-toggle")
        assert other.get_attribute(".theme-toggle", "aria-pressed") == "true"
        assert axe_violations(other) == []

        with other.expect_response(lambda r: r.url.endswith("/account/theme")) as saved:
            other.click(".theme-toggle")  # back to light, from the phone
        assert saved.value.status == 204
        page.goto("/progress")
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
    finally:
        laptop.close()
        phone.close()
    assert errors == []


def test_signed_out_the_choice_stays_on_the_device(browser, live_server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, color_scheme="light")
    try:
        page = context.new_page()
        page.goto("/login")
        toggle = page.locator(".theme-toggle")
        assert toggle.get_attribute("aria-pressed") == "false"
        toggle.click()
        page.goto("/register")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert page.get_attribute(".theme-toggle", "aria-pressed") == "true"
        assert axe_violations(page) == []
    finally:
        context.close()
