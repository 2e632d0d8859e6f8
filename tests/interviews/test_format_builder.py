"""The format builder (issue 16): slots added from a question picker, reordered and removed with
buttons, each drawn slot's pool size, the questions' estimated minutes against the time limit, a
candidate's-eye preview. Driven through HTTP as the admin page posts it; nothing is saved before Save."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.interviews.models import InterviewFormat
from app.questions.models import Question, QuestionVersion, Topic
from tests.interviews.conftest import TOPIC

pytestmark = pytest.mark.anyio

BASE = {"builder": "1", "title": "Built", "time_limit_minutes": "30", "navigation": "free", "status": "draft"}


def drawn(i: int, **values: Any) -> dict[str, Any]:
    return {f"slots-{i}-{k}": v for k, v in {"count": "1", "topic": TOPIC, **values}.items()}


async def ids_by_title(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    async with db() as s:
        rows = await s.execute(
            select(QuestionVersion.title, Question.id).join(
                Question, Question.current_version_id == QuestionVersion.id
            )
        )
        return {title: str(qid) for title, qid in rows}


async def no_format_saved(db) -> bool:  # type: ignore[no-untyped-def]
    async with db() as s:
        return (await s.execute(select(InterviewFormat))).first() is None


async def test_the_new_format_page_is_a_builder_not_yaml(as_role, bank) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    page = (await admin.get("/admin/formats/new")).text
    assert 'name="slots-0-count"' in page and 'name="pick-q"' in page
    assert "Can draw from <strong>" in page and 'id="time-estimate"' in page
    assert "<summary>Slots as YAML (for power users)</summary>" in page  # still there, folded away


async def test_search_the_bank_and_add_a_fixed_question(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    ids = await ids_by_title(db)
    r = await admin.post("/admin/formats/new", data={**BASE, "action": "search", "pick-q": "convex"})
    assert r.status_code == 200
    assert "Multiple 0" in r.text and f'value="add:{ids["Multiple 0"]}"' in r.text
    assert "Single 0" not in r.text  # only what matches the search
    r = await admin.post(
        "/admin/formats/new",
        data={**BASE, "action": f"add:{ids['Multiple 0']}"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith("<form")  # the form block only
    assert "<strong>Multiple 0</strong>" in r.text and "Slot 1: one fixed question" in r.text
    assert f'name="slots-0-question_id" value="{ids["Multiple 0"]}"' in r.text
    assert 'data-focus="slot-0"' in r.text and "Not saved yet" in r.text
    assert await no_format_saved(db)


async def test_a_drawn_slot_from_the_filters_shows_its_pool(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    async with db() as s:
        topic_id = (await s.execute(select(Topic.id).where(Topic.slug == TOPIC.split("/")[1]))).scalar_one()
    r = await admin.post(
        "/admin/formats/new",
        data={**BASE, "action": "add-draw", "pick-topic": str(topic_id), "pick-kind": "numeric"},
    )
    assert r.status_code == 200
    assert f'<option value="{TOPIC}" selected>' in r.text
    assert 'name="slots-0-kinds" value="numeric" checked' in r.text
    assert "Can draw from <strong>2</strong> published questions" in r.text
    r = await admin.post(
        "/admin/formats/new", data={**BASE, **drawn(0, count="3", kinds="numeric"), "action": "check"}
    )
    assert "Needs 3 published question(s); only 2 match" in r.text


async def test_reorder_and_remove_slots_then_save_in_that_order(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    ids = await ids_by_title(db)
    rows = {
        "slots-0-question_id": ids["Single 0"],
        "slots-1-question_id": ids["Numeric 1"],
        **drawn(2, kinds="free_text"),
    }
    r = await admin.post("/admin/formats/new", data={**BASE, **rows, "action": "up:1"})
    assert r.status_code == 200
    assert r.text.index("<strong>Numeric 1</strong>") < r.text.index("<strong>Single 0</strong>")
    assert 'data-focus="down-0"' in r.text  # focus stays on the moved slot (Up is disabled at the top)
    assert "Slot 2 moved up to position 1." in r.text
    r = await admin.post("/admin/formats/new", data={**BASE, **rows, "action": "remove:0"})
    assert "<strong>Single 0</strong>" not in r.text and 'name="slots-1-count"' in r.text
    r = await admin.post("/admin/formats/new", data={**BASE, **rows, "action": "down:0"})
    reordered = dict(re.findall(r'name="(slots-\d-question_id)" value="([^"]*)"', r.text))
    assert reordered["slots-0-question_id"] == ids["Numeric 1"]
    assert reordered["slots-1-question_id"] == ids["Single 0"]
    assert await no_format_saved(db)

    swapped = {"slots-0-question_id": ids["Numeric 1"], "slots-1-question_id": ids["Single 0"], **drawn(2)}
    r = await admin.post("/admin/formats/new", data={**BASE, **swapped, "action": "save"})
    assert r.status_code == 303, r.text
    async with db() as s:
        fmt = (await s.execute(select(InterviewFormat))).scalar_one()
        assert fmt.slots == [
            {"question_id": ids["Numeric 1"]},
            {"question_id": ids["Single 0"]},
            {"topic": TOPIC},
        ]
    page = (await admin.get(r.headers["location"])).text
    assert page.index("<strong>Numeric 1</strong>") < page.index("<strong>Single 0</strong>")


async def test_the_estimate_warns_when_the_questions_do_not_fit(as_role, bank) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    rows = drawn(0, count="2", kinds="numeric")  # the bank's questions are estimated at 5 minutes
    r = await admin.post(
        "/admin/formats/new", data={**BASE, **rows, "time_limit_minutes": "30", "action": "check"}
    )
    assert (
        "estimated at about <strong>10 minutes</strong>" in r.text and "That fits the time limit." in r.text
    )
    r = await admin.post(
        "/admin/formats/new", data={**BASE, **rows, "time_limit_minutes": "8", "action": "check"}
    )
    assert "more than the time limit" in r.text and 'role="alert"' in r.text


async def test_preview_shows_a_draw_as_the_candidate_sees_it(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    rows = {**drawn(0, kinds="numeric"), **drawn(1, kinds="single_choice")}
    r = await admin.post(
        "/admin/formats/new", data={**BASE, **rows, "navigation": "linear", "action": "preview"}
    )
    assert r.status_code == 200
    assert "Preview: what a candidate sees" in r.text
    assert "Question 1 of 2: Numeric" in r.text and "Question 2 of 2: Single" in r.text
    assert "One question at a time" in r.text  # the instructions a candidate reads before the clock
    assert "<math" in r.text  # prompts rendered as candidates see them
    assert await no_format_saved(db)
    r = await admin.post("/admin/formats/new", data={**BASE, **drawn(0, count="9"), "action": "preview"})
    assert r.status_code == 422 and "cannot fill slot 1" in r.text


async def test_yaml_for_power_users_and_bad_input(as_role, bank, db) -> None:  # type: ignore[no-untyped-def]
    admin = await as_role("admin")
    yaml_text = f"- {{external_id: t-text-1}}\n- {{topic: {TOPIC}, count: 2, kinds: [numeric]}}\n"
    r = await admin.post("/admin/formats/new", data={**BASE, "slots_yaml": yaml_text, "action": "yaml"})
    assert r.status_code == 200
    assert (
        "<strong>Free text 1</strong>" in r.text
        and 'name="slots-1-count" type="number" min="1" max="50" value="2"' in r.text
    )
    r = await admin.post("/admin/formats/new", data={**BASE, "slots_yaml": "- [unclosed", "action": "yaml"})
    assert r.status_code == 422 and 'id="slots_yaml-error"' in r.text
    r = await admin.post("/admin/formats/new", data={**BASE, "action": "explode:1"})
    assert r.status_code == 422
    r = await admin.post("/admin/formats/new", data={**BASE, **drawn(0, count="0"), "action": "save"})
    assert r.status_code == 422 and 'id="slots-error"' in r.text and 'id="slot-0-error"' in r.text
    assert await no_format_saved(db)
    candidate = await as_role("candidate")
    assert (await candidate.post("/admin/formats/new", data={**BASE, "action": "search"})).status_code == 403
