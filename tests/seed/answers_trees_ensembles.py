"""Recompute the objective answers of seed/questions/trees_ensembles.yaml from their prompts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _gini(counts) -> float:
    c = np.asarray(counts, dtype=float)
    p = c / c.sum()
    return float(1.0 - np.sum(p**2))


def _entropy(counts, base: float = 2.0) -> float:
    c = np.asarray(counts, dtype=float)
    p = c / c.sum()
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)) / np.log(base))


def _misclass(counts) -> float:
    c = np.asarray(counts, dtype=float)
    return float(1.0 - c.max() / c.sum())


def _weighted(impurity, children) -> float:
    sizes = np.array([np.sum(c) for c in children], dtype=float)
    return float(sum(n * impurity(c) for n, c in zip(sizes, children)) / sizes.sum())


def gini_weighted_split() -> float:
    left, right = [18, 5, 2], [6, 9, 20]
    return _weighted(_gini, [left, right])


def node_impurity_statements() -> set[int]:
    node = [12, 4]  # positive, negative
    children = [[6, 0], [6, 4]]
    claims = [
        abs(_gini(node) - 0.375) < 5e-4,
        abs(_entropy(node) - 0.811) < 5e-4,
        abs(_gini(node) - 0.4375) < 5e-4,
        abs(_entropy(node, base=np.e) - 0.562) < 5e-4,
        _weighted(_gini, children) < _gini(node) - 1e-12,
        _weighted(_misclass, children) < _misclass(node) - 1e-12,
    ]
    return {i for i, ok in enumerate(claims) if ok}


def information_gain() -> float:
    parent, left, right = [14, 6], [9, 1], [5, 5]
    return _entropy(parent) - _weighted(_entropy, [left, right])


def best_threshold() -> int:
    x = np.arange(1, 11)
    y = np.array([0, 0, 1, 0, 0, 1, 1, 1, 0, 1])
    thresholds = [2.5, 4.5, 5.5, 8.5]
    scores = []
    for t in thresholds:
        kids = [np.bincount(y[x <= t], minlength=2), np.bincount(y[x > t], minlength=2)]
        scores.append(_weighted(_gini, kids))
    return int(np.argmin(scores))


def adaboost_alpha() -> float:
    w = np.array([0.05, 0.25, 0.10, 0.30, 0.10, 0.20])
    wrong = np.zeros(6, dtype=bool)
    wrong[[1, 4]] = True  # points 2 and 5
    eps = w[wrong].sum() / w.sum()
    return float(0.5 * np.log((1 - eps) / eps))


def adaboost_reweight() -> float:
    w = np.array([0.10, 0.30, 0.15, 0.25, 0.20])
    yh = np.ones(5)  # y_i * h(x_i)
    yh[[0, 2]] = -1  # x1 and x3 misclassified
    eps = w[yh < 0].sum() / w.sum()
    alpha = 0.5 * np.log((1 - eps) / eps)
    new = w * np.exp(-alpha * yh)
    new /= new.sum()
    return float(new[2])


def bagging_variance() -> float:
    sigma2, rho, b = 4.0, 0.3, 50
    # Var of the mean of B equicorrelated variables, via the covariance matrix.
    cov = sigma2 * (rho * np.ones((b, b)) + (1 - rho) * np.eye(b))
    a = np.full(b, 1.0 / b)
    return float(a @ cov @ a)


def oob_probability() -> float:
    n = 20
    return float((1 - 1 / n) ** n)


def gbm_two_rounds() -> float:
    y = np.array([3.0, 5.0, 10.0, 6.0])
    nu = 0.5
    f = np.full_like(y, y.mean())
    for leaves in ([[0, 1], [2, 3]], [[0, 3], [1, 2]]):
        r = y - f
        h = np.zeros_like(y)
        for leaf in leaves:
            h[leaf] = r[leaf].mean()
        f = f + nu * h
    return float(f[2])


ANSWERS: dict[str, Callable[[], object]] = {
    "trees-gini-weighted-split": gini_weighted_split,
    "trees-node-impurity-statements": node_impurity_statements,
    "trees-information-gain": information_gain,
    "trees-best-threshold": best_threshold,
    "trees-adaboost-alpha": adaboost_alpha,
    "trees-adaboost-reweight": adaboost_reweight,
    "trees-bagging-variance": bagging_variance,
    "trees-oob-probability": oob_probability,
    "trees-gbm-two-rounds": gbm_two_rounds,
}
