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


def _learning_curve() -> int:
    size = np.array([500, 1000, 2000, 4000, 8000])
    train = np.array([0.990, 0.985, 0.980, 0.975, 0.972])
    val = np.array([0.800, 0.830, 0.855, 0.872, 0.884])
    gap = train[-1] - val[-1]
    gain_per_doubling = (val[-1] - val[-2]) / np.log2(size[-1] / size[-2])
    high_variance, still_improving, high_bias = gap > 0.05, gain_per_doubling > 0.005, train[-1] < 0.9
    if high_variance and still_improving:
        return 0
    return 1 if high_bias else 2


def _successive_halving() -> float:
    configs, epochs, eta, total, trained = 81, 1, 3, 0, 0
    while configs >= 1:
        total += configs * (epochs - trained)
        trained, configs, epochs = epochs, configs // eta, epochs * eta
    return float(total)


ANSWERS: dict[str, Callable[[], object]] = {
    "hp-grid-vs-random-distinct-values": _grid_vs_random,
    "hp-random-search-trials-needed": _trials_needed,
    "hp-log-scale-learning-rate": _log_scale_fraction,
    "hp-one-standard-error-rule": _one_standard_error,
    "hp-learning-curve-table": _learning_curve,
    "hp-successive-halving-budget": _successive_halving,
}
