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
            two_tabs = await formats.save_format(
                s,
                FormatDoc(
                    title="Two-tab check",
                    time_limit_minutes=30,
                    slots=[{"count": 1, "kinds": ["free_text"], "max_difficulty": 1}],
                    status="published",
                ),
                admin=None,
            )
            short = await formats.save_format(
                s,
                FormatDoc(
                    title="Half-minute check",
                    time_limit_minutes=0.5,
                    slots=[{"count": 1, "kinds": ["free_text"], "max_difficulty": 1}],
                    status="published",
                ),
                admin=None,
            )
            strict = await formats.save_format(
                s,
                FormatDoc(
                    title="Strict half-minute",
                    time_limit_minutes=0.5,
                    expiry_mode="strict",
                    slots=[{"count": 1, "kinds": ["free_text"], "max_difficulty": 1}],
                    status="published",
                ),
                admin=None,
            )
            await s.commit()
        factory = UserFactory(maker)
        user, _ = await factory.create(name="Eve Candidate")
        tabs_user, _ = await factory.create(name="Tab Twin")
        idle_user, _ = await factory.create(name="Ida Idle")
        phone_user, _ = await factory.create(name="Pho Phone")
        resume_user, _ = await factory.create(name="Res Resume")
        await engine.dispose()
        return {
            "email": user.email,
            "one_minute": str(one_minute.id),
            "two_tabs": str(two_tabs.id),
            "short": str(short.id),
            "strict": str(strict.id),
            "tabs_email": tabs_user.email,
            "idle_email": idle_user.email,
            "phone_email": phone_user.email,
            "resume_email": resume_user.email,
        }

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
    page.wait_for_url(re.compile(r".*/interviews/[0-9a-f-]+/start$"))  # the instructions first
    assert axe_violations(page) == []
    page.click("#start-clock")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    assert axe_violations(page) == []
    forms = page.locator(".attempt-item form.answer-form")
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
    first = page.locator(".attempt-item form.answer-form").nth(0)
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
    page.click("#start-clock")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    attempt_url = page.url
    page.locator("form[data-kind=single_choice] input[type=radio]").first.check()
    page.wait_for_selector("#save-status[data-state=saved]")
    page.context.set_offline(True)
    page.fill("form[data-kind=free_text] textarea", "Typed while offline: the gradient points uphill.")
    page.wait_for_selector("#save-status[data-state=error]")
    assert "Not saved" in page.inner_text("#save-status") and "offline" in page.inner_text("#save-status")
    assert "Typed while offline" in page.evaluate("() => JSON.stringify(localStorage)")
    page.context.set_offline(False)
    page.wait_for_selector("#save-status[data-state=saved]", timeout=15_000)
    stored = page.request.get(attempt_url.replace("/attempts/", "/api/v1/attempts/")).json()
    text_item = next(i for i in stored["items"] if i["kind"] == "free_text")
    assert text_item["answer"] == {"text": "Typed while offline: the gradient points uphill."}
    screenshot(page, "attempt-one-minute")
    # the countdown reaches zero: the page saves, asks the server and shows the results
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


def start_format(page, title: str) -> str:  # type: ignore[no-untyped-def]
    page.goto("/interviews")
    page.click(f"text=Start “{title}”")
    page.click("#start-clock")  # the instructions page: the clock starts here
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    return page.url  # type: ignore[no-any-return]


def stored_text(page, attempt_url: str) -> str | None:  # type: ignore[no-untyped-def]
    got = page.request.get(attempt_url.replace("/attempts/", "/api/v1/attempts/")).json()
    answer = got["items"][0]["answer"]
    return answer["text"] if answer else None


def test_two_tabs_show_the_conflict_and_never_overwrite_silently(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["tabs_email"])
    attempt_url = start_format(page, "Two-tab check")
    tab_a = page
    tab_b = page.context.new_page()
    tab_b.goto(attempt_url)
    # B saves first; A (opened at the same revision) saves after it
    tab_b.fill(".attempt-item form.answer-form textarea", "BBB from the second tab")
    tab_b.wait_for_selector("#save-status[data-state=saved]")
    assert stored_text(page, attempt_url) == "BBB from the second tab"
    tab_a.fill(".attempt-item form.answer-form textarea", "aaaaa from the first tab")
    conflict = tab_a.locator(".attempt-item [data-conflict]")
    conflict.wait_for(state="visible")
    assert conflict.locator("[data-mine]").inner_text() == "aaaaa from the first tab"
    assert conflict.locator("[data-theirs]").inner_text() == "BBB from the second tab"
    assert "Not saved" in tab_a.inner_text("#save-status")
    # A keeps typing: still nothing is overwritten without the click
    tab_a.fill(".attempt-item form.answer-form textarea", "aaaaa from the first tab, longer")
    tab_a.wait_for_timeout(2000)
    assert stored_text(page, attempt_url) == "BBB from the second tab"
    assert axe_violations(tab_a) == []
    screenshot(tab_a, "attempt-conflict")
    # "Keep mine": an explicit save on top of the version it was shown
    conflict.locator("[data-keep-mine]").click()
    tab_a.wait_for_selector("#save-status[data-state=saved]")
    assert conflict.is_hidden()
    assert stored_text(page, attempt_url) == "aaaaa from the first tab, longer"
    # now B is the stale one: it is shown both versions and takes the other
    tab_b.fill(".attempt-item form.answer-form textarea", "BBB edited again")
    other = tab_b.locator(".attempt-item [data-conflict]")
    other.wait_for(state="visible")
    assert other.locator("[data-theirs]").inner_text() == "aaaaa from the first tab, longer"
    other.locator("[data-take-theirs]").click()
    assert tab_b.input_value(".attempt-item form.answer-form textarea") == "aaaaa from the first tab, longer"
    assert stored_text(page, attempt_url) == "aaaaa from the first tab, longer"
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_an_idle_page_learns_an_extension_and_is_not_finished_early(page, setup, own_server) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    sign_in(page, setup["idle_email"])
    attempt_url = start_format(page, "Half-minute check")
    attempt_id = attempt_url.rsplit("/", 1)[1]
    old_deadline = page.get_attribute("#deadline", "datetime")
    assert old_deadline

    async def extend() -> None:
        from sqlalchemy import select

        from app.auth.models import User
        from app.db import make_engine, make_sessionmaker
        from app.interviews import service

        engine = make_engine(own_server[1], pool_size=1)
        async with make_sessionmaker(engine)() as s:
            admin = (await s.execute(select(User).limit(1))).scalar_one()
            await service.extend_attempt(s, admin, attempt_id, minutes=1, ip=None)  # type: ignore[arg-type]
            await s.commit()
        await engine.dispose()

    in_thread(extend)
    # the page types nothing: it learns the new deadline from the status it polls
    page.wait_for_function(
        "old => document.getElementById('deadline').getAttribute('datetime') !== old", arg=old_deadline
    )
    new_deadline = page.get_attribute("#deadline", "datetime")
    assert new_deadline and datetime.fromisoformat(new_deadline) > datetime.fromisoformat(old_deadline)
    # past the old deadline the page is still the attempt, and the server agrees it is running
    page.wait_for_function(
        "old => Date.now() > new Date(old).getTime() + 3000", arg=old_deadline, timeout=60_000
    )
    assert re.search(r"/attempts/[0-9a-f-]+$", page.url)
    status = page.request.get(f"/api/v1/attempts/{attempt_id}/status").json()
    assert status["state"] == "in_progress" and status["phase"] == "open"
    assert seconds(page.inner_text("#countdown")) > 0
    page.fill(".attempt-item form.answer-form textarea", "written in the extra minute")
    page.wait_for_selector("#save-status[data-state=saved]")


def test_the_countdown_stays_visible_on_a_phone(browser, own_server, setup) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=own_server[0], viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, setup["phone_email"])
        start_format(page, "Rapid-fire objective round (30 min)")
        page.locator(".attempt-item form.answer-form").last.scroll_into_view_if_needed()
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        assert page.evaluate("() => window.scrollY") > 500
        box = page.locator("#countdown").bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844
        screenshot(page, "attempt-phone")
    finally:
        context.close()


def wait_stored(page, attempt_url: str, text: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(60):  # a bound for a broken page, not a timing assertion
        if stored_text(page, attempt_url) == text:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"never stored: {text!r}")


def test_saving_resumes_through_503s_and_after_signing_in_again(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["resume_email"])
    attempt_url = start_format(page, "Two-tab check")
    # the database is briefly unavailable: the first saves get 503 + Retry-After
    refused = {"n": 0}

    def flaky(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.method == "POST" and refused["n"] < 2:
            refused["n"] += 1
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": "busy", "reason": "unavailable"}',
            )
        else:
            route.continue_()

    page.route("**/answer", flaky)
    page.fill(".attempt-item form.answer-form textarea", "typed during a blip")
    page.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('Not saved')")
    assert "retrying" in page.inner_text("#save-status")
    wait_stored(page, attempt_url, "typed during a blip")
    page.wait_for_selector("#save-status[data-state=saved]")
    assert refused["n"] == 2
    page.unroute("**/answer")
    # signed out and in again in another tab: a new session and CSRF token; the page picks them up
    other = page.context.new_page()
    other.goto("/account")
    other.click("nav button:has-text('Sign out')")
    sign_in(other, setup["resume_email"])
    page.fill(".attempt-item form.answer-form textarea", "typed after signing in again")
    wait_stored(page, attempt_url, "typed after signing in again")
    page.wait_for_selector("#save-status[data-state=saved]")
    assert page.input_value(".attempt-item form.answer-form textarea") == "typed after signing in again"


def test_strict_mode_warns_and_says_plainly_the_attempt_did_not_count(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["resume_email"])
    start_format(page, "Strict half-minute")
    # under two minutes left in strict mode: the warning is visible from the start
    assert page.is_visible("#strict-warning")
    assert "will not count" in page.inner_text("#strict-warning")
    page.fill(".attempt-item form.answer-form textarea", "saved but never submitted")
    page.wait_for_selector("#save-status[data-state=saved]")
    # the page never submits on its own clock: at zero it asks the server and shows the results
    page.wait_for_url("**/results", timeout=75_000)
    main = page.inner_text("main")
    assert "This attempt did not count." in main and "Awaiting review" not in main
    assert axe_violations(page) == []
