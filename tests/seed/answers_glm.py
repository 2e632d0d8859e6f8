"""Recomputations of the objective answers in seed/questions/glm.yaml."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special, stats


def _poisson_prediction() -> float:
    beta0, beta1, x = 0.5, 0.3, 2.0
    return float(np.exp(beta0 + beta1 * x))


def _bernoulli_variance() -> float:
    eta, h = np.log(1 / 4), 1e-4

    def log_partition(e: float) -> float:
        return float(np.log1p(np.exp(e)))

    numeric = (log_partition(eta + h) - 2 * log_partition(eta) + log_partition(eta - h)) / h**2
    p = special.expit(eta)
    assert abs(numeric - p * (1 - p)) < 1e-5
    return float(stats.bernoulli(p).var())


def _poisson_deviance() -> float:
    y, mu = np.array([2.0, 0.0, 3.0]), np.array([1.5, 0.5, 2.5])
    saturated = stats.poisson.logpmf(y, np.where(y > 0, y, 1e-300)).sum()
    fitted = stats.poisson.logpmf(y, mu).sum()
    return float(2 * (saturated - fitted))


ANSWERS: dict[str, Callable[[], object]] = {
    "glm-poisson-prediction": _poisson_prediction,
    "glm-bernoulli-log-partition-variance": _bernoulli_variance,
    "glm-poisson-deviance": _poisson_deviance,
}
