"""The draw (pure): reproducible from the seed, no duplicates, fills exactly when the bank can."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.interviews.draw import DrawError, draw


def test_reproducible_and_seed_dependent() -> None:
    pools = [list(range(20)), list(range(10, 40))]
    a = draw(pools, [3, 4], seed=42)
    assert a == draw(pools, [3, 4], seed=42)
    assert a == draw([list(reversed(p)) for p in pools], [3, 4], seed=42)  # pool order does not matter
    assert any(draw(pools, [3, 4], seed=s) != a for s in range(5))


def test_overlapping_pools_need_a_matching() -> None:
    # greedy could give the area slot question 1, leaving the topic slot nothing
    pools = [[1, 2], [1]]
    for seed in range(20):
        out = draw(pools, [1, 1], seed)
        assert out[1] == [1] and out[0] == [2]


def test_refuses_when_the_bank_cannot_fill() -> None:
    with pytest.raises(DrawError) as err:
        draw([[1, 2], [3]], [2, 2], seed=1)
    assert err.value.slot_index == 1 and err.value.needed == 2
    assert "slot 2 needs 2" in str(err.value)


def _fillable(pools: list[list[int]], counts: list[int]) -> bool:
    places = [i for i, c in enumerate(counts) for _ in range(c)]
    universe = sorted({q for p in pools for q in p})
    if len(places) > len(universe):
        return False
    return any(
        all(q in pools[places[k]] for k, q in enumerate(perm))
        for perm in itertools.permutations(universe, len(places))
    )


@settings(max_examples=150)
@given(
    st.lists(st.lists(st.integers(0, 5), max_size=5), min_size=1, max_size=3),
    st.lists(st.integers(1, 2), min_size=3, max_size=3),
    st.integers(0, 2**32),
)
def test_fills_exactly_when_possible(pools: list[list[int]], counts: list[int], seed: int) -> None:
    counts = counts[: len(pools)]
    try:
        out = draw(pools, counts, seed)
    except DrawError:
        assert not _fillable(pools, counts)
        return
    assert _fillable(pools, counts)
    flat = [q for picks in out for q in picks]
    assert len(flat) == len(set(flat)) == sum(counts)
    for picks, pool, count in zip(out, pools, counts, strict=True):
        assert len(picks) == count and set(picks) <= set(pool)
