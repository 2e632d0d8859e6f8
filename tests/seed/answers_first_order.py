"""Recomputations of the objective answers in seed/questions/first_order.yaml."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def _armijo() -> float:
    def f(x: float) -> float:
        return x**4

    x, c = 1.5, 1e-4
    g = 4 * x**3
    t = 1.0
    while f(x - t * g) > f(x) - c * t * g * g:
        t /= 2
    return t


def _iterations() -> float:
    mu, lipschitz, factor = 1.0, 100.0, 1e6
    k = 0
    while (1 - mu / lipschitz) ** k > 1 / factor:
        k += 1
    return float(k)


def _prox_step() -> int:
    w, grad, eta, lam = np.array([0.8, -0.3, 1.5]), np.array([0.5, -0.2, 1.0]), 0.4, 1.0
    z = w - eta * grad
    new = np.sign(z) * np.maximum(np.abs(z) - eta * lam, 0.0)
    options = [(0.2, 0.0, 0.7), (0.6, -0.22, 1.1), (0.2, -0.62, 0.7), (0.5, 0.0, 1.0)]
    return next(i for i, o in enumerate(options) if np.allclose(o, new))


def _condition_number() -> float:
    k = np.array([0, 10, 20, 30])
    err = np.array([1.0, 0.35, 0.1225, 0.0429])
    slope = np.polyfit(k[:3], np.log(err[:3]), 1)[0]  # the exact geometric part of the table
    r = math.exp(slope)
    return 1 / (1 - r)


def _exact_line_search() -> float:
    a = np.diag([1.0, 10.0])
    x = np.array([1.0, 1.0])
    g = a @ x
    ts = np.linspace(0, 0.3, 300_001)
    values = [0.5 * (x - t * g) @ a @ (x - t * g) for t in ts[::1000]]
    assert abs(ts[::1000][int(np.argmin(values))] - g @ g / (g @ a @ g)) < 0.001
    return float(g @ g / (g @ a @ g))


ANSWERS: dict[str, Callable[[], object]] = {
    "fo-armijo-backtracking": _armijo,
    "fo-gd-strongly-convex-iterations": _iterations,
    "fo-proximal-lasso-step": _prox_step,
    "fo-convergence-table-condition-number": _condition_number,
    "fo-exact-line-search-quadratic": _exact_line_search,
}
