"""The list filter's topic options are rendered once per topic tree and chosen topic and kept
(app/questions/routes.topic_options): a change to the topics shows on the next page, the chosen
topic is selected, and a topic id that is not in the tree chooses nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from app.questions.models import Topic

pytestmark = pytest.mark.anyio


def _options(html: str) -> list[tuple[str, bool, str]]:
    """(value, selected, label) of the topic filter's options."""
    select_html = re.search(r'<select id="[pf]-topic" name="topic">(.*?)</select>', html, re.S)
    assert select_html is not None
    return [
        (value, bool(chosen), label)
        for value, chosen, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select_html.group(1)
        )
    ]


@pytest.mark.parametrize(("role", "path"), [("candidate", "/questions"), ("admin", "/admin/questions")])
async def test_a_renamed_topic_shows_on_the_next_page(as_role, topics, db, role, path) -> None:  # type: ignore[no-untyped-def]
    client = await as_role(role)
    async with db() as s:
        topic = (await s.execute(select(Topic).where(Topic.parent_id.is_not(None)).limit(1))).scalar_one()
        topic_id, old_name = topic.id, topic.name
    before = _options((await client.get(path)).text)
    assert any(label.endswith(f"› {old_name}") for _, _, label in before)
    async with db() as s:
        await s.execute(update(Topic).where(Topic.id == topic_id).values(name="Renamed <topic> & co"))
        await s.commit()
    after = _options((await client.get(path, params={"topic": topic_id})).text)
    labels = {value: (chosen, label) for value, chosen, label in after}
    chosen, label = labels[str(topic_id)]
    assert chosen and label.endswith("› Renamed &lt;topic&gt; &amp; co")
    assert [v for v, c, _ in after if c] == [str(topic_id)]  # only the chosen one
    assert len(after) == len(before)


async def test_a_topic_not_in_the_tree_chooses_nothing(as_role, topics) -> None:  # type: ignore[no-untyped-def]
    candidate = await as_role("candidate")
    r = await candidate.get("/questions", params={"topic": 2_000_000_000})
    assert r.status_code == 200
    options = _options(r.text)
    assert options[0] == ("", False, "All topics") and not any(chosen for _, chosen, _ in options)
