"""Recomputations of the objective answers in seed/questions/model_comparison.yaml.

Each entry recomputes the answer from the numbers stated in the prompt, cross-checked with
scipy's tests where one exists.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats


def _accuracy_normal_interval() -> float:
    correct, n, z = 340, 400, 1.96
    acc = correct / n
    assert abs(stats.norm.ppf(0.975) - z) < 1e-3
    return z * float(np.sqrt(acc * (1 - acc) / n))


def _mcnemar_statistic() -> float:
    table = np.array([[400, 45], [25, 30]])  # rows: A correct/wrong; cols: B correct/wrong
    assert table.sum() == 500
    b, c = table[0, 1], table[1, 0]
    chi2 = (abs(b - c) - 1) ** 2 / (b + c)
    # The exact binomial test on the discordant pairs agrees on the conclusion.
    p_exact = stats.binomtest(int(c), int(b + c), 0.5).pvalue
    p_chi2 = stats.chi2.sf(chi2, df=1)
    assert p_exact < 0.05 and p_chi2 < 0.05
    return float(chi2)


def _five_by_two_cv_t() -> float:
    d = np.array([[0.030, 0.010], [0.020, 0.025], [0.015, 0.005], [0.035, 0.020], [0.010, 0.030]])
    mean_i = d.mean(axis=1, keepdims=True)
    s2 = ((d - mean_i) ** 2).sum(axis=1)
    return float(d[0, 0] / np.sqrt(s2.mean()))


def _paired_standard_error() -> float:
    table = np.array([[730, 70], [50, 150]])  # rows: A correct/wrong; cols: B correct/wrong
    n = int(table.sum())
    # One entry per test example: A's and B's correctness, then the paired difference.
    a = np.repeat([1, 1, 0, 0], table.ravel())
    b = np.repeat([1, 0, 1, 0], table.ravel())
    d = a - b
    assert np.isclose(a.mean(), 0.80) and np.isclose(b.mean(), 0.78)
    return float(np.sqrt(d.var() / n))


def _reading_bootstrap_quantiles() -> set[int]:
    theta = 0.011
    q = dict(zip([0.025, 0.05, 0.5, 0.95, 0.975], [-0.004, 0.001, 0.012, 0.024, 0.027], strict=True))

    def percentile(level: float) -> tuple[float, float]:
        a = (1 - level) / 2
        return q[round(a, 3)], q[round(1 - a, 3)]

    def basic(level: float) -> tuple[float, float]:
        lo, hi = percentile(level)
        return 2 * theta - hi, 2 * theta - lo

    def contains_zero(iv: tuple[float, float]) -> bool:
        return iv[0] <= 0 <= iv[1]

    claims = [
        contains_zero(percentile(0.95)),
        contains_zero(percentile(0.90)),
        bool(np.allclose(basic(0.95), (-0.005, 0.026))),
        q[0.025] < 0 < q[0.05],
        bool(np.allclose(basic(0.90), (0.001, 0.024))),
    ]
    return {i for i, ok in enumerate(claims) if ok}


ANSWERS: dict[str, Callable[[], object]] = {
    "cmp-accuracy-normal-interval": _accuracy_normal_interval,
    "cmp-mcnemar-statistic": _mcnemar_statistic,
    "cmp-five-by-two-cv-t": _five_by_two_cv_t,
    "cmp-paired-standard-error": _paired_standard_error,
    "cmp-reading-bootstrap-quantiles": _reading_bootstrap_quantiles,
}
