"""Browser: an error answered to an htmx request shows in the toast area, and a form whose
hx-status rule targets itself keeps its place (issue 15 item 7)."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.e2e.conftest import axe_violations, in_thread
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def _user() -> str:
    from app.db import make_engine, make_sessionmaker
    from tests.factories import UserFactory

    email = f"toast-{uuid.uuid4().hex[:8]}@example.org"

    async def create() -> None:
        engine = make_engine(os.environ["MLMOCK_E2E_DATABASE_URL"], pool_size=1)
        await UserFactory(make_sessionmaker(engine)).create(email=email)
        await engine.dispose()

    in_thread(create)
    return email


def test_an_htmx_refusal_lands_in_the_toast_area(page) -> None:  # type: ignore[no-untyped-def]
    email = _user()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/account")
    # the page's CSRF token goes stale (as after signing in elsewhere): the next htmx POST is refused
    page.evaluate(
        """() => document.body.setAttribute("hx-headers:inherited", JSON.stringify({"X-CSRFToken": "stale"}))"""
    )
    page.fill("#token-name", "laptop")
    page.click("#tokens button[type=submit]")
    page.wait_for_selector("#toasts [role=alert]")
    assert "form expired" in page.inner_text("#toasts")
    # the token form is still there, untouched: the error did not replace it
    assert page.locator("#tokens form").count() == 1 and page.input_value("#token-name") == "laptop"
    assert page.locator("#toasts").count() == 1
    assert axe_violations(page) == []
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
