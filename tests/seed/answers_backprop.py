"""Recomputations of the objective answers in seed/questions/backprop.yaml.

Gradients are computed by an explicit backward pass and checked against central finite
differences of the forward pass stated in each prompt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _central_difference(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def _relu_network_scalar() -> float:
    x, y, b1, w2, b2 = 2.0, 1.0, -0.5, -1.5, 0.5

    def loss(w1: float) -> float:
        h = max(0.0, w1 * x + b1)
        return 0.5 * (w2 * h + b2 - y) ** 2

    w1 = 0.5
    z = w1 * x + b1
    y_hat = w2 * max(0.0, z) + b2
    analytic = (y_hat - y) * w2 * float(z > 0) * x
    assert np.isclose(analytic, _central_difference(loss, w1))
    return analytic


def _tanh_network_weight_gradient() -> float:
    x = np.array([1.0, -1.0])
    w0 = np.array([[0.5, -0.5], [1.0, 0.5]])
    v = np.array([1.0, -2.0])

    def loss(w: np.ndarray) -> float:
        s = v @ np.tanh(w @ x)
        return float(np.logaddexp(0.0, -s))  # -log sigmoid(s), label 1

    h = np.tanh(w0 @ x)
    p = 1 / (1 + np.exp(-(v @ h)))
    delta = (p - 1) * v * (1 - h**2)
    grad = np.outer(delta, x)

    def along_w21(t: float) -> float:
        w = w0.copy()
        w[1, 0] = t
        return loss(w)

    assert np.isclose(grad[1, 0], _central_difference(along_w21, w0[1, 0]))
    return float(grad[1, 0])


def _gradient_check_table() -> int:
    analytic = np.array([0.120341, 0.000300, 152.0312, -2.50012])
    numerical = np.array([0.120342, 0.000600, 152.0297, -2.50010])
    rel = np.abs(analytic - numerical) / np.maximum(np.abs(analytic), np.abs(numerical))
    flagged = np.nonzero(rel > 1e-4)[0]
    assert len(flagged) == 1
    assert int(np.argmax(np.abs(analytic - numerical))) != int(flagged[0])  # absolute error misleads
    return int(flagged[0])


def _central_difference_estimate() -> float:
    def f(w: float) -> float:
        return w**3

    estimate = _central_difference(f, 2.0, h=0.1)
    assert abs(estimate - 3 * 2.0**2) < abs((f(2.1) - f(2.0)) / 0.1 - 12)  # beats the forward difference
    return estimate


ANSWERS: dict[str, Callable[[], object]] = {
    "bp-relu-network-scalar": _relu_network_scalar,
    "bp-tanh-network-weight-gradient": _tanh_network_weight_gradient,
    "bp-gradient-check-table": _gradient_check_table,
    "bp-central-difference-estimate": _central_difference_estimate,
}
