"""Drawing questions for an attempt: pure, reproducible from a seed, never the same question twice.

Each slot asks for `count` questions from its pool (a fixed slot's pool is its one question).
Pools overlap (a topic slot and an area slot), so the draw is a bipartite matching of slot
places to questions (Kuhn's augmenting paths) over pools shuffled by the seed: it succeeds
exactly when the bank can fill every slot, and reports the first slot it cannot fill.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Q = TypeVar("Q", bound=Hashable)


@dataclass(frozen=True)
class DrawError(Exception):
    slot_index: int
    needed: int
    available: int

    def __str__(self) -> str:
        return (
            f"slot {self.slot_index + 1} needs {self.needed} question(s) but the bank has only "
            f"{self.available} published question(s) left for it"
        )


def draw(pools: Sequence[Sequence[Q]], counts: Sequence[int], seed: int) -> list[list[Q]]:
    """For each slot, `counts[i]` distinct questions from `pools[i]`; no question in two places."""
    if len(pools) != len(counts):
        raise ValueError("one count per pool")
    rng = random.Random(seed)
    # Sort first so the result depends only on the pools' contents and the seed, not their order.
    shuffled: list[list[Q]] = []
    for pool in pools:
        p = sorted(set(pool), key=repr)
        rng.shuffle(p)
        shuffled.append(p)
    places = [i for i, c in enumerate(counts) for _ in range(c)]
    owner: dict[Q, int] = {}  # question -> place index

    def augment(place: int, seen: set[Q]) -> bool:
        for q in shuffled[places[place]]:
            if q in seen:
                continue
            seen.add(q)
            if q not in owner or augment(owner[q], seen):
                owner[q] = place
                return True
        return False

    for place, slot in enumerate(places):
        if not augment(place, set()):
            filled = sum(1 for p in owner.values() if places[p] == slot)
            raise DrawError(slot, counts[slot], filled)
    by_place: dict[int, Q] = {p: q for q, p in owner.items()}
    out: list[list[Q]] = [[] for _ in pools]
    for place in range(len(places)):
        out[places[place]].append(by_place[place])
    return out


def item_seed(attempt_seed: int, position: int) -> int:
    """The seed of a parametrised item's numbers: reproducible from the attempt's seed, distinct per place."""
    return random.Random(f"{attempt_seed}/{position}").getrandbits(31)
