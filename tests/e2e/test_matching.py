"""Browser: a candidate answers a matching question (a labelled select per prompt), the answer is
saved and survives a reload, and the results show each pair right or wrong. axe-clean."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import axe_violations, in_thread, uvicorn_server
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e
PAIRS = [
    ("Bagging", "averages models trained on bootstrap samples"),
    ("Boosting", "fits each model to the errors of the ones before"),
    ("Stacking", "learns how to combine the models' predictions"),
    ("", "prunes a single deep tree"),  # a distractor
]


@pytest.fixture(scope="module")
def server(make_database) -> Iterator[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_e2e_match")

    async def prepare() -> dict[str, Any]:
        from app.db import make_engine, make_sessionmaker
        from app.interviews import formats
        from app.interviews.schemas import FormatDoc
        from app.questions.native import QuestionDoc
        from app.questions.seedcheck import load_areas
        from app.questions.service import create_question, ensure_topics
        from tests.factories import UserFactory

        engine = make_engine(url, pool_size=1)
        maker = make_sessionmaker(engine)
        async with maker() as s:
            await ensure_topics(s, load_areas())
            doc = QuestionDoc(
                topic="supervised/trees-ensembles",
                title="Ensemble methods",
                kind="matching",
                prompt="Match each ensemble method with what it does.",
                pairs=[{"prompt": p, "answer": a} for p, a in PAIRS],
                difficulty=1,
            )
            question = await create_question(s, doc, author_id=None, status="published")
            fmt = await formats.save_format(
                s,
                FormatDoc(
                    title="Ensembles match",
                    time_limit_minutes=10,
                    slots=[{"question_id": question.id}],
                    status="published",
                    keys_shown="at_submit",
                ),
                admin=None,
            )
            await s.commit()
        user, _ = await UserFactory(maker).create(name="Mat Matcher")
        await engine.dispose()
        return {"email": user.email, "format": fmt.title}

    setup = in_thread(prepare)
    with uvicorn_server(url, "e2e-matching-server.log") as base:
        yield base, setup


def test_answer_a_matching_question(browser, server) -> None:  # type: ignore[no-untyped-def]
    base, setup = server
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/login")
    page.fill("#email", setup["email"])
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/interviews")
    page.click(f"text=Start “{setup['format']}”")
    page.wait_for_url(re.compile(r".*/interviews/[0-9a-f-]+/start$"))
    page.click("#start-clock")
    page.wait_for_url(re.compile(r".*/attempts/[0-9a-f-]+$"))
    assert axe_violations(page) == []
    # each prompt is the label of its select (what a screen reader announces)
    offered = sorted((a for _, a in PAIRS), key=str.casefold)  # alphabetical, lettered A, B, …

    def option(answer: str) -> str:
        return f"{'ABCD'[offered.index(answer)]}: {answer}"

    for prompt, answer in PAIRS[:2]:
        page.get_by_label(prompt).select_option(label=option(answer))
    page.get_by_label("Stacking").select_option(label=option(PAIRS[3][1]))  # wrong on purpose
    page.wait_for_function(
        "() => document.querySelectorAll('.nav-item.answered').length === 1"
        " && /^Saved \\d\\d:\\d\\d:\\d\\d$/.test(document.getElementById('save-status').textContent)"
    )
    page.reload()
    chosen = page.locator("select[name=matches]").evaluate_all(
        "els => els.map(e => e.options[e.selectedIndex].textContent)"
    )
    assert chosen == [option(PAIRS[0][1]), option(PAIRS[1][1]), option(PAIRS[3][1])]
    page.click("#submit-link")
    page.wait_for_url("**/submit")
    page.click("text=Submit my answers")
    page.wait_for_url("**/results")
    main = page.inner_text("main")
    assert "0.67 / 1" in main
    assert page.locator("table.match-outcome tr.correct").count() == 2
    assert page.locator("table.match-outcome tr.wrong").count() == 1
    assert axe_violations(page) == []
    assert not [e for e in errors if "Content Security Policy" in e]
    context.close()
