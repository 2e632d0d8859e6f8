"""Every seed format can be finished: the questions it draws fit its time limit by their own estimates."""

from __future__ import annotations

from statistics import mean

import pytest

from app.interviews.schemas import FormatDoc, Slot
from app.interviews.seeding import load_format_docs
from app.questions.native import QuestionDoc
from app.questions.seedcheck import load_all_questions

BANK = load_all_questions()
FORMATS = load_format_docs()
# A format is sized for a typical draw; even the slowest possible draw may overrun it by at most this.
WORST_CASE_ALLOWANCE = 1.5


def _pool(slot: Slot) -> list[QuestionDoc]:
    if slot.is_fixed:
        return [d for d in BANK if d.external_id == slot.external_id]
    topic = slot.topic or ""
    return [
        d
        for d in BANK
        if (not topic or d.topic == topic or d.topic.startswith(topic + "/"))
        and (not slot.kinds or d.kind in slot.kinds)
        and set(slot.tags) <= set(d.tags)
        and slot.min_difficulty <= d.difficulty <= slot.max_difficulty
    ]


def _minutes(fmt: FormatDoc) -> tuple[float, float]:
    """(expected, worst-case) sum of estimated minutes over one draw of `fmt`."""
    expected = worst = 0.0
    for slot in fmt.slots:
        pool = _pool(slot)
        assert len(pool) >= slot.count, (fmt.slug, slot)
        estimates = sorted((d.estimated_minutes for d in pool), reverse=True)
        expected += slot.count * mean(estimates)
        worst += sum(estimates[: slot.count])
    return expected, worst


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.slug for f in FORMATS])
def test_format_time_limit_covers_its_questions_estimates(fmt: FormatDoc) -> None:
    expected, worst = _minutes(fmt)
    assert expected <= fmt.time_limit_minutes, (
        f"{fmt.slug}: a typical draw needs {expected:.0f} min of the questions' own estimates "
        f"but the format allows {fmt.time_limit_minutes}"
    )
    assert worst <= WORST_CASE_ALLOWANCE * fmt.time_limit_minutes, (fmt.slug, worst)


def test_titles_state_the_time_limit() -> None:
    for fmt in FORMATS:
        if "min)" in fmt.title:
            assert f"({fmt.time_limit_minutes:g} min)" in fmt.title, fmt.slug
