"""Browser: a parametrised question in a timed attempt (the parts autosave and come back after a
reload; the results show this seed's numbers and worked solution), in practice (instant grading,
"try again" with new numbers), and the generator workshop. axe-clean, no CSP errors."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, screenshot
from tests.e2e.test_question_bank import PASSWORD
from tests.e2e.test_review_journey import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def setup(live_server: str) -> dict[str, Any]:
    from sqlalchemy import select

    from app.auth.bootstrap import create_admin_account
    from app.db import make_engine, make_sessionmaker
    from app.interviews import formats
    from app.questions import generators
    from app.questions.models import Question
    from app.questions.seedcheck import load_areas
    from app.questions.service import create_question, ensure_topics
    from tests.factories import UserFactory
    from tests.questions.test_parametrised import doc_for, ext
    from tests.reviews.conftest import format_doc

    url = os.environ["MLMOCK_E2E_DATABASE_URL"]
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.org"

    async def prepare() -> dict[str, Any]:
        await create_admin_account(url, email=admin, name="Gen Admin", password=PASSWORD)
        engine = make_engine(url, pool_size=1)
        maker = make_sessionmaker(engine)
        names = ("gd_quadratic_step", "vc_dimension")
        async with maker() as s:
            await ensure_topics(s, load_areas())
            for name in names:
                gen = generators.get(name)
                assert gen is not None
                doc = doc_for(gen).model_copy(update={"external_id": "e2e-" + ext(name)})
                await create_question(s, doc, author_id=None, status="published")
            fmt = await formats.save_format(
                s,
                format_doc(
                    title="Numbers run",
                    slots=[{"external_id": "e2e-" + ext(n)} for n in names],
                    keys_shown="at_submit",
                ),
                admin=None,
            )
            await s.commit()
            ids = dict((await s.execute(select(Question.external_id, Question.id))).all())
        cand, _ = await UserFactory(maker).create(name="Nia Numbers")
        await engine.dispose()
        return {
            "format": str(fmt.id),
            "gd": str(ids["e2e-" + ext("gd_quadratic_step")]),
            "candidate": cand.email,
            "admin": admin,
        }

    return in_thread(prepare)  # type: ignore[no-any-return]


def _seed_of(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_attribute("#practice-form input[name=seed]", "value")  # type: ignore[no-any-return]


def test_attempt_practice_and_workshop(page, setup) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, setup["candidate"])
    page.goto(f"/interviews/{setup['format']}/start")
    page.click("#start-clock")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    attempt_url = page.url
    forms = page.locator("form[data-kind=parametrised]")
    assert forms.count() == 2
    assert axe_violations(page) == []
    numeric = forms.filter(has=page.locator("input[data-list]"))
    numeric.locator("input[data-list]").nth(0).fill("1.5")
    numeric.locator("input[data-list]").nth(1).fill("-2")
    choice = forms.filter(has=page.locator("select[data-list]"))
    choice.locator("select[data-list]").select_option(index=1)
    page.wait_for_function("() => document.querySelectorAll('.nav-item.answered').length === 2")
    page.wait_for_selector("#save-status[data-state=saved]")
    page.reload()
    assert numeric.locator("input[data-list]").nth(0).input_value() == "1.5"
    assert numeric.locator("input[data-list]").nth(1).input_value() == "-2"
    assert choice.locator("select[data-list]").input_value() == "0"
    screenshot(page, "parametrised-attempt")
    page.click("#submit-link")
    page.wait_for_url("**/submit")
    page.click("text=Submit my answers")
    page.wait_for_url("**/results")
    assert page.locator("table.part-results").count() == 2
    assert page.locator("details.worked-solution").count() == 2
    assert axe_violations(page) == []
    assert attempt_url in page.url

    # practice: instant grading of this seed's numbers, then new numbers on "try again"
    page.goto(f"/practice/{setup['gd']}")
    first_seed = _seed_of(page)
    page.locator("#practice-form input[data-list]").nth(0).fill("0")
    page.click("#practice-submit")
    page.wait_for_selector("#part-results")
    assert "wrong" in page.inner_text("#part-results")
    assert page.locator("#reference-answer math").count() >= 1
    assert axe_violations(page) == []
    screenshot(page, "parametrised-practice")
    seeds = {first_seed}
    for _ in range(3):
        page.click("#try-again")
        page.wait_for_selector("#practice-form")
        seeds.add(_seed_of(page))
        page.locator("#practice-form input[data-list]").nth(0).fill("0")
        page.click("#practice-submit")
        page.wait_for_selector("#try-again")
    assert len(seeds) >= 3
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
    page.click("text=Sign out")

    # the workshop: roll previews side by side with the author's ranges
    page.goto("/login")
    page.fill("#email", setup["admin"])
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/admin/generators")
    page.click("text=One gradient-descent step on a quadratic")
    page.fill("#lo-lr", "0.1")
    page.fill("#hi-lr", "0.1")
    page.click("#roll")
    page.wait_for_function("() => document.querySelectorAll('article.roll').length === 3")
    assert page.locator("article.roll details").count() == 3
    assert axe_violations(page) == []
    screenshot(page, "generator-workshop")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
