"""Browser: a candidate takes the rapid-fire format (answers, reload, resume) and a 1-minute format
(offline typing kept and sent on reconnect, the timer runs out, auto-submit, results). axe-clean."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot, uvicorn_server
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def own_server(make_database) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """A server over a database of its own: the full seed bank here must not change what other
    browser tests (sharing live_server's database) see."""
    url = make_database("mlmock_e2e_iv")
    with uvicorn_server(url, "e2e-attempt-server.log") as base:
        yield base, url


@pytest.fixture
def page(browser, own_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=own_server[0], viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.csp_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture(scope="module")
def setup(own_server: tuple[str, str]) -> dict[str, Any]:
    from app.db import make_engine, make_sessionmaker
    from app.interviews import formats
    from app.interviews.schemas import FormatDoc
    from app.seeding import seed_database
    from tests.factories import UserFactory

    url = own_server[1]

    async def prepare() -> dict[str, Any]:
        await seed_database(url)
        engine = make_engine(url, pool_size=1)
        maker = make_sessionmaker(engine)
        async with maker() as s:
            one_minute = await formats.save_format(
                s,
                FormatDoc(
                    title="One-minute check",
                    time_limit_minutes=1,
                    slots=[
                        {"count": 1, "kinds": ["single_choice"], "max_difficulty": 1},
                        {"count": 1, "kinds": ["free_text"], "max_difficulty": 1},
                    ],
                    status="published",
                ),
                admin=None,
            )
            await s.commit()
        user, _ = await UserFactory(maker).create(name="Eve Candidate")
        await engine.dispose()
        return {"email": user.email, "one_minute": str(one_minute.id)}

    return in_thread(prepare)  # type: ignore[no-any-return]


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def seconds(text: str) -> int:
    parts = [int(p) for p in text.strip().split(":")]
    total = 0
    for p in parts:
        total = total * 60 + p
    return total


def answer_item(form) -> None:  # type: ignore[no-untyped-def]
    kind = form.get_attribute("data-kind")
    if kind == "single_choice":
        form.locator("input[type=radio]").first.check()
    elif kind == "multiple_choice":
        form.locator("input[type=checkbox]").first.check()
    elif kind == "numeric":
        form.locator("input[name=number]").fill("1.5")
    else:
        form.locator("textarea").fill("A short answer with $x^2$.")


def test_rapid_fire_answer_reload_resume(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["email"])
    page.goto("/interviews")
    assert axe_violations(page) == []
    page.click("text=Start “Rapid-fire objective round (30 min)”")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    assert axe_violations(page) == []
    forms = page.locator("form.answer-form")
    assert forms.count() == 6
    for i in range(3):
        answer_item(forms.nth(i))
    page.wait_for_function(
        "() => document.querySelectorAll('.nav-item.answered').length >= 3"
        " && /^Saved \\d\\d:\\d\\d:\\d\\d$/.test(document.getElementById('save-status').textContent)"
        " && !localStorage.getItem('mlmock.attempt.' + document.getElementById('attempt').dataset.attemptId)"
    )
    before = seconds(page.inner_text("#countdown"))
    assert 29 * 60 < before <= 30 * 60
    page.wait_for_timeout(2500)
    page.reload()
    # answers are there after the reload, and the timer continues from the server's time
    assert page.locator(".nav-item.answered").count() == 3
    after = seconds(page.inner_text("#countdown"))
    assert before - 6 <= after <= before - 2, (before, after)
    first = page.locator("form.answer-form").nth(0)
    kind = first.get_attribute("data-kind")
    if kind in ("single_choice", "multiple_choice"):
        assert first.locator("input:checked").count() == 1
    else:
        assert first.locator("input[name=number]").input_value() == "1.5"
    # submit: the confirmation shows what is unanswered
    page.click("#submit-link")
    page.wait_for_url("**/submit")
    assert "3 of 6 question(s) unanswered" in page.inner_text("main")
    assert axe_violations(page) == []
    page.click("text=Submit my answers")
    page.wait_for_url("**/results")
    assert "Auto-graded score" in page.inner_text("main")
    assert axe_violations(page) == []
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_offline_typing_is_kept_and_the_timer_runs_out(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["email"])
    page.goto("/interviews")
    page.click("text=Start “One-minute check”")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    attempt_url = page.url
    page.locator("form[data-kind=single_choice] input[type=radio]").first.check()
    page.wait_for_selector("#save-status[data-state=saved]")
    page.context.set_offline(True)
    page.fill("form[data-kind=free_text] textarea", "Typed while offline: the gradient points uphill.")
    page.wait_for_selector("#save-status[data-state=error]")
    assert "Offline" in page.inner_text("#save-status")
    assert "Typed while offline" in page.evaluate("() => JSON.stringify(localStorage)")
    page.context.set_offline(False)
    page.wait_for_selector("#save-status[data-state=saved]", timeout=15_000)
    stored = page.request.get(attempt_url.replace("/attempts/", "/api/v1/attempts/")).json()
    text_item = next(i for i in stored["items"] if i["kind"] == "free_text")
    assert text_item["answer"] == {"text": "Typed while offline: the gradient points uphill."}
    screenshot(page, "attempt-one-minute")
    # the countdown reaches zero: the page saves, submits and shows the results
    page.wait_for_url("**/results", timeout=75_000)
    main = page.inner_text("main")
    assert "Time ran out" in main or "Submitted" in main
    assert "Auto-graded score" in main and "Awaiting review" in main
    result = page.request.get(attempt_url.replace("/attempts/", "/api/v1/attempts/") + "/result").json()
    assert result["state"] in ("expired", "submitted") and result["counted"]
    assert result["auto_max"] == 1.0
    assert axe_violations(page) == []
    screenshot(page, "attempt-results")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
