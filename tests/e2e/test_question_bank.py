"""Browser: an admin writes a question with a formula and a rubric, watches the live preview
render the maths, publishes it and finds it by search — axe-clean, no CSP errors."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough e2e admin passphrase"


@pytest.fixture
def admin_email(live_server: str) -> str:
    """An admin account and the seed topic tree in the live server's database."""
    from app.auth.bootstrap import create_admin_account
    from app.db import make_engine, make_sessionmaker
    from app.questions.seedcheck import load_areas
    from app.questions.service import ensure_topics

    url = os.environ["MLMOCK_E2E_DATABASE_URL"]
    email = f"admin-{uuid.uuid4().hex[:8]}@example.org"

    async def setup() -> None:
        await create_admin_account(url, email=email, name="Ada Admin", password=PASSWORD)
        engine = make_engine(url, pool_size=1)
        async with make_sessionmaker(engine)() as s:
            await ensure_topics(s, load_areas())
            await s.commit()
        await engine.dispose()

    in_thread(setup)
    return email


def test_admin_creates_previews_publishes_and_finds_a_question(page, admin_email: str) -> None:  # type: ignore[no-untyped-def]
    word = f"zyx{uuid.uuid4().hex[:6]}"  # a unique word to search for
    page.goto("/login")
    page.fill("#email", admin_email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")

    page.click("nav >> text=Admin")
    page.click("nav >> text=Question bank")
    page.wait_for_url("**/admin/questions")
    page.click("text=New question")
    page.wait_for_url("**/admin/questions/new")
    assert axe_violations(page) == []

    page.fill("#title", f"Gradient step {word}")
    page.select_option("#topic", "optimisation/gradient-descent")
    page.select_option("#kind", "free_text")
    # choice-only and numeric-only fieldsets are hidden for a free-text question
    assert page.is_hidden("fieldset[data-kinds='numeric']")
    page.fill(
        "#prompt",
        "Write one step of gradient descent: $$\\theta_{t+1} = \\theta_t - \\eta \\nabla L(\\theta_t)$$",
    )
    page.wait_for_selector("#preview-prompt math")
    assert "∇" in page.inner_text("#preview-prompt")

    # a formula that does not convert: the preview names it
    page.fill("#reference_answer", "Uses $\\nablaa L$")
    page.wait_for_selector("#preview [role=alert]")
    assert "\\nablaa" in page.inner_text("#preview [role=alert]")
    page.fill("#reference_answer", f"Step against the gradient, scaled by $\\eta$. Keyword {word}.")
    page.wait_for_selector("#preview-reference math")

    page.fill("#rubric-criteria-0-name", "Update rule")
    page.fill("#rubric-criteria-0-points", "2")
    page.fill("#rubric-criteria-0-levels-0-points", "0")
    page.fill("#rubric-criteria-0-levels-0-descriptor", "Wrong sign or missing rate")
    page.fill("#rubric-criteria-0-levels-1-points", "2")
    page.fill("#rubric-criteria-0-levels-1-descriptor", "Correct rule with $\\eta$")
    page.click("button[value='add:rubric-key_points']")  # a server round trip keeps what was typed
    page.wait_for_selector("#rubric-key_points-1")
    assert page.input_value("#rubric-criteria-0-name") == "Update rule"
    page.fill("#rubric-key_points-0", "Moves against the gradient")
    page.fill("#rubric-key_points-1", "Learning rate scales the step")
    assert axe_violations(page) == []
    screenshot(page, "question-editor")

    page.click("button[value='save']")
    page.wait_for_url("**/admin/questions/*-*")
    assert "draft" in page.inner_text(".meta")
    assert page.locator(".prose math").count() >= 1
    assert "Learning rate scales the step" in page.inner_text("main")
    assert axe_violations(page) == []

    page.click("button:has-text('Publish')")
    page.wait_for_selector(".meta .status-published")

    page.click("nav >> text=Admin")
    page.click("nav >> text=Question bank")
    page.wait_for_url("**/admin/questions")
    page.fill("#q", word)  # search as you type: the results swap in without a page load
    # other browser tests share this database: wait for the filtered list, not just our row
    page.wait_for_selector("#result-count:has-text('1 question ')")
    page.wait_for_selector(f"#results a:has-text('Gradient step {word}')")
    assert page.locator("#results a:has-text('Gradient step')").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "question-bank-search")

    # the other curation and practice pages are axe-clean too
    page.click(f"#results a:has-text('Gradient step {word}')")
    page.wait_for_url("**/admin/questions/*-*")
    question_url = page.url
    for path in ("/versions", "", "/edit"):
        page.goto(question_url + path)
        assert axe_violations(page) == [], path
    page.goto(question_url.replace("/admin", ""))
    assert page.locator("main math").count() >= 1 and "Learning rate scales" not in page.inner_text("main")
    assert axe_violations(page) == []
    for path in ("/questions", "/admin/topics"):
        page.goto(path)
        assert axe_violations(page) == [], path
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
