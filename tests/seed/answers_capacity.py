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


ANSWERS: dict[str, Callable[[], object]] = {
    "cap-sauer-bound-value": _sauer_bound,
    "cap-growth-function-intervals": _intervals_growth,
    "cap-rademacher-finite-class": _rademacher,
}
