"""Recomputations of the objective answers in seed/questions/hyperparameters.yaml."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def _grid_vs_random() -> int:
    budget = 16
    side = math.isqrt(budget)
    grid = [(lr, leaf) for lr in np.logspace(-3, 0, side) for leaf in range(side)]
    random_rates = np.random.default_rng(0).uniform(1e-3, 1.0, budget)
    counts = (len({lr for lr, _ in grid}), len(set(random_rates)))
    return [(4, 16), (16, 16), (4, 4), (8, 16)].index(counts)


def _trials_needed() -> float:
    good, target = 0.02, 0.99
    n = 1
    while 1 - (1 - good) ** n < target:
        n += 1
    assert n == math.ceil(math.log(1 - target) / math.log(1 - good))
    return float(n)


def _log_scale_fraction() -> float:
    low, high, cut = 1e-5, 1e-1, 1e-3
    samples = np.random.default_rng(1).uniform(low, high, 200_000)
    exact = (cut - low) / (high - low)
    assert abs((samples < cut).mean() - exact) < 0.002
    return exact


def _one_standard_error() -> int:
    c = np.array([0.01, 0.1, 1, 10, 100])
    mean = np.array([0.781, 0.842, 0.861, 0.866, 0.859])
    std = np.array([0.020, 0.018, 0.016, 0.017, 0.021])
    best = int(np.argmax(mean))
    threshold = mean[best] - std[best] / np.sqrt(5)
    chosen = c[np.flatnonzero(mean >= threshold)].min()  # smallest C = simplest model
    return [0.1, 1.0, 10.0, 100.0].index(float(chosen))


ANSWERS: dict[str, Callable[[], object]] = {
    "hp-grid-vs-random-distinct-values": _grid_vs_random,
    "hp-random-search-trials-needed": _trials_needed,
    "hp-log-scale-learning-rate": _log_scale_fraction,
    "hp-one-standard-error-rule": _one_standard_error,
}
