"""Recomputations of the objective answers in seed/questions/capacity.yaml."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from math import comb

import numpy as np


def _sauer_bound() -> float:
    n, d = 10, 3
    return float(sum(comb(n, i) for i in range(d + 1)))


def _intervals_growth() -> float:
    xs = np.arange(12)
    labelings = {tuple(np.zeros(12, dtype=int))}
    for a in range(12):
        for b in range(a, 12):
            labelings.add(tuple(((xs >= a) & (xs <= b)).astype(int)))
    return float(len(labelings))


def _rademacher() -> float:
    h = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1]])
    values = [max(h @ np.array(s)) / 3 for s in product([-1, 1], repeat=3)]
    return float(np.mean(values))


def _union_of_two_intervals() -> int:
    def shattered(n: int) -> bool:
        xs = np.arange(n)
        cuts = np.arange(n + 1) - 0.5  # every distinct interval endpoint relative to the points
        one = [(xs >= a) & (xs <= b) for a in cuts for b in cuts if a <= b]
        labelings = {tuple(i1 | i2) for i1 in one for i2 in one}
        return len(labelings) == 2**n

    vc = max(n for n in range(1, 7) if shattered(n))
    return ["2", "3", "4", "5"].index(str(vc))


ANSWERS: dict[str, Callable[[], object]] = {
    "cap-sauer-bound-value": _sauer_bound,
    "cap-growth-function-intervals": _intervals_growth,
    "cap-rademacher-finite-class": _rademacher,
    "cap-vc-union-of-two-intervals": _union_of_two_intervals,
}
