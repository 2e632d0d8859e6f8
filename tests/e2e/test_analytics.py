"""Browser: an admin reads the analytics pages over synthetic attempts, filters them with htmx,
at a desktop and a phone width — axe-clean (charts included), no CSP or console errors."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough e2e analytics passphrase"


@pytest.fixture
def admin_email(live_server: str) -> str:
    from app.analytics.refresh import refresh_all
    from app.analytics.synthetic import generate_attempts
    from app.auth.bootstrap import create_admin_account
    from app.db import make_engine, make_sessionmaker
    from app.questions.seedcheck import load_areas
    from app.questions.service import create_question, ensure_topics
    from tests.analytics.test_pages import _docs

    url = os.environ["MLMOCK_E2E_DATABASE_URL"]
    email = f"analyst-{uuid.uuid4().hex[:8]}@example.org"

    async def setup() -> None:
        await create_admin_account(url, email=email, name="Ana Lyst", password=PASSWORD)
        engine = make_engine(url, pool_size=1)
        async with make_sessionmaker(engine)() as s:
            await ensure_topics(s, load_areas())
            for doc in _docs():
                doc = doc.model_copy(update={"external_id": f"{doc.external_id}-{uuid.uuid4().hex[:6]}"})
                await create_question(s, doc, author_id=None, status="published")
            await generate_attempts(s, 150, seed=3)
            await refresh_all(s)
            await s.commit()
        await engine.dispose()

    in_thread(setup)
    return email


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_analytics_pages(page, admin_email: str, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": height})
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto("/login")
    page.fill("#email", admin_email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    for path in (
        "/admin/analytics",
        "/admin/analytics/mentors",
        "/admin/analytics/formats",
        "/admin/analytics/topics",
    ):
        page.goto(path)
        assert page.locator("main svg, main table").count() > 0, path
        assert axe_violations(page) == [], path
    page.goto("/admin/analytics")
    page.select_option("select[name=kind]", "single_choice")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**kind=single_choice**")
    page.locator("#results td >> text=single choice").first.wait_for()
    page.locator("#results a[href^='/admin/analytics/questions/']").first.click()
    page.wait_for_url("**/admin/analytics/questions/**")
    assert "distractor analysis" in page.content()
    assert axe_violations(page) == []
    screenshot(page, f"analytics-question-{width}")
    # the favicon is another change's business; every other resource loads and nothing else errs
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
    assert [e for e in page.csp_errors if "404" not in e] == []
