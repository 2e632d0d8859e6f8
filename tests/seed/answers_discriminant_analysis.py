"""Recomputations of the objective answers in seed/questions/discriminant_analysis.yaml.

Each entry recomputes the answer from the model stated in the prompt with scipy's densities
(Bayes' rule evaluated directly, not through the closed forms the reference answers use).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize, stats


def _lda_threshold_with_prior() -> float:
    pi1 = 0.2

    def log_odds(x: float) -> float:
        return float(np.log(pi1) + stats.norm.logpdf(x, 2, 1) - np.log(1 - pi1) - stats.norm.logpdf(x, 0, 1))

    return float(optimize.brentq(log_odds, -10, 10))


def _lda_posterior_2d() -> float:
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    mu0, mu1 = np.zeros(2), np.array([1.0, 1.0])
    x = np.array([1.0, 0.0])
    p0 = 0.5 * stats.multivariate_normal(mu0, cov).pdf(x)
    p1 = 0.5 * stats.multivariate_normal(mu1, cov).pdf(x)
    return float(p1 / (p0 + p1))


def _qda_equal_means() -> int:
    def log_ratio(x: float) -> float:
        return float(stats.norm.logpdf(x, 0, 2) - stats.norm.logpdf(x, 0, 1))

    t = optimize.brentq(log_ratio, 0.01, 10)
    assert log_ratio(0.0) < 0 < log_ratio(5.0) and np.isclose(log_ratio(-t), 0)  # class 1 owns both tails
    thresholds = [1.36, 1.92]  # the |x| thresholds printed in options A and B
    return int(np.argmin([abs(t - c) for c in thresholds]))


def _parameter_count() -> float:
    d, k = 50, 3
    cov = d * (d + 1) // 2
    lda = (k - 1) + k * d + cov
    qda = (k - 1) + k * d + k * cov
    # Count the distinct entries of a symmetric matrix directly.
    assert cov == len(np.triu_indices(d)[0])
    return float(qda - lda)


ANSWERS: dict[str, Callable[[], object]] = {
    "gda-lda-threshold-with-prior": _lda_threshold_with_prior,
    "gda-lda-posterior-2d": _lda_posterior_2d,
    "gda-qda-equal-means": _qda_equal_means,
    "gda-parameter-count": _parameter_count,
}
