"""Deadline arithmetic (pure): time factor, extensions, grace, each expiry mode, the instants around the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.interviews import deadlines as d
from app.interviews.deadlines import ExpiryMode

starts = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
limits = st.integers(min_value=1, max_value=6 * 3600)
factors = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("4.00"), places=2)
modes = st.sampled_from(list(ExpiryMode))
graces = st.integers(min_value=1, max_value=3600)
S = timedelta(seconds=1)


@given(starts, limits, factors)
def test_deadline_is_start_plus_limit_times_factor(start: datetime, limit: int, factor: Decimal) -> None:
    deadline = d.deadline(start, limit, factor)
    seconds = (deadline - start).total_seconds()
    assert seconds == int(seconds)  # whole seconds
    assert Decimal(limit) * factor <= Decimal(int(seconds)) < Decimal(limit) * factor + 1
    assert deadline >= d.deadline(start, limit, Decimal("1.00"))  # a factor never takes time away


@given(starts, limits, factors, factors)
def test_more_factor_never_less_time(start: datetime, limit: int, f1: Decimal, f2: Decimal) -> None:
    lo, hi = sorted((f1, f2))
    assert d.deadline(start, limit, lo) <= d.deadline(start, limit, hi)


@given(starts, limits, factors, st.integers(min_value=0, max_value=36000))
def test_extension_adds_exactly(start: datetime, limit: int, factor: Decimal, extra: int) -> None:
    assert d.deadline(start, limit, factor, extra) - d.deadline(start, limit, factor) == timedelta(
        seconds=extra
    )


def test_examples() -> None:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert d.deadline(start, 45 * 60, Decimal("1.00")) == start + timedelta(minutes=45)
    assert d.deadline(start, 45 * 60, Decimal("1.50")) == start + timedelta(minutes=67, seconds=30)
    assert d.deadline(start, 7, Decimal("1.25")) == start + timedelta(seconds=9)  # 8.75 rounds up
    with pytest.raises(ValueError):
        d.deadline(start, 60, Decimal("0.5"))


@given(starts, modes, graces)
def test_around_the_deadline(deadline: datetime, mode: ExpiryMode, grace: int) -> None:
    g = d.effective_grace(mode, grace)
    # one second before the deadline: everything is allowed, in every mode
    before = deadline - S
    assert d.can_save(before, deadline) and d.can_submit(before, deadline, mode, grace)
    assert not d.is_overdue(before, deadline, mode, grace)
    assert d.phase(before, deadline, mode, grace) == "open"
    assert d.remaining_seconds(before, deadline) == 1.0
    # at the deadline: no more edits in any mode
    assert not d.can_save(deadline, deadline)
    assert d.remaining_seconds(deadline + S, deadline) == 0.0
    # deadline + G - 1 s: only grace mode still accepts a submit, and nothing is finalised yet there
    late = deadline + timedelta(seconds=grace) - S
    assert not d.can_save(late, deadline)
    if mode is ExpiryMode.grace:
        assert d.can_submit(late, deadline, mode, grace)
        assert not d.is_overdue(late, deadline, mode, grace)
        assert d.phase(late, deadline, mode, grace) == "grace"
    else:
        assert g == 0
        assert not d.can_submit(late, deadline, mode, grace)
        assert d.is_overdue(late, deadline, mode, grace)
        assert d.phase(late, deadline, mode, grace) == "over"
    # deadline + G + 1 s: over in every mode; the server finalises
    after = deadline + timedelta(seconds=grace) + S
    assert not d.can_save(after, deadline)
    assert not d.can_submit(after, deadline, mode, grace)
    assert d.is_overdue(after, deadline, mode, grace)
    assert d.phase(after, deadline, mode, grace) == "over"


@given(starts, modes, graces, st.integers(min_value=-7200, max_value=7200))
def test_phases_are_consistent(deadline: datetime, mode: ExpiryMode, grace: int, offset: int) -> None:
    now = deadline + timedelta(seconds=offset)
    save, submit, overdue = (
        d.can_save(now, deadline),
        d.can_submit(now, deadline, mode, grace),
        d.is_overdue(now, deadline, mode, grace),
    )
    assert not (save and not submit)  # whoever may edit may submit
    assert submit != overdue  # exactly one of: the candidate may submit, or the server finalises
    assert d.finalise_at(deadline, mode, grace) >= deadline


def test_what_counts_when_the_clock_finalises() -> None:
    assert d.counts_when_expired(ExpiryMode.autosubmit)
    assert not d.counts_when_expired(ExpiryMode.grace)
    assert not d.counts_when_expired(ExpiryMode.strict)
