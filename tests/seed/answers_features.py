"""Recomputations of the objective answers in seed/questions/features.yaml."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _one_hot_columns() -> float:
    levels = [5, 3, 12]
    rng = np.random.default_rng(0)
    columns = [np.ones(200)]
    for k in levels:
        codes = np.concatenate([np.arange(k), rng.integers(0, k, 200 - k)])
        columns += [(codes == level).astype(float) for level in range(1, k)]  # drop level 0
    x = np.column_stack(columns)
    assert np.linalg.matrix_rank(x) == x.shape[1]  # full rank: no dummy trap
    return float(x.shape[1])


def _target_encoding() -> float:
    labels = np.array([1, 1, 1, 0])
    n, m, overall = len(labels), 10, 0.2
    return float((n * labels.mean() + m * overall) / (n + m))


def _imputed_variance() -> float:
    observed = np.array([2.0, 4.0, 6.0, 8.0, 10.0])
    filled = np.concatenate([observed, np.full(3, observed.mean())])
    return float(filled.var(ddof=1))


ANSWERS: dict[str, Callable[[], object]] = {
    "feat-one-hot-column-count": _one_hot_columns,
    "feat-smoothed-target-encoding": _target_encoding,
    "feat-mean-imputation-variance": _imputed_variance,
}
