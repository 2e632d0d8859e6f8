"""Browser: register → sign in → home → sign out, axe-clean, screenshot saved."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import axe_violations, screenshot

pytestmark = pytest.mark.e2e


def test_register_login_home_logout(page) -> None:  # type: ignore[no-untyped-def]
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.org"
    password = "a long enough e2e passphrase"

    page.goto("/register")
    assert axe_violations(page) == []
    page.fill("#display_name", "Ada Candidate")
    page.fill("#email", email)
    page.fill("#password", "password")  # too common: the form re-renders with a message
    page.click("button[type=submit]")
    page.wait_for_selector("#password-error")
    assert "too common" in page.inner_text("#password-error")
    page.fill("#password", password)
    page.click("button[type=submit]")
    # the same answer whether or not the email had an account: sign in next
    page.wait_for_url("**/login?registered=1")
    assert "sent a message" in page.inner_text("main")
    assert axe_violations(page) == []

    page.fill("#email", email)
    page.fill("#password", "wrong password here")
    page.click("main button[type=submit]")
    page.wait_for_selector(".form-error")
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert "Welcome, Ada Candidate" in page.inner_text("main")
    assert axe_violations(page) == []
    screenshot(page, "home-signed-in")

    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto("/account")
    assert "/login" in page.url
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
