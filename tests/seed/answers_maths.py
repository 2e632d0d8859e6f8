"""Recompute every objective answer in seed/questions/maths.yaml from its prompt.

Numbers below are the data stated in each prompt (or the values printed in its options);
the answers themselves are always computed, never written down.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _nearest(candidates: list, value) -> int:
    value = np.atleast_1d(np.asarray(value, dtype=float))
    dists = [float(np.linalg.norm(np.atleast_1d(np.asarray(c, dtype=float)) - value)) for c in candidates]
    best = int(np.argmin(dists))
    assert dists[best] < 5e-3, (candidates, value)
    return best


def la_eigen_2x2() -> float:
    a = np.array([[4.0, 1.0], [2.0, 3.0]])
    return float(np.max(np.linalg.eigvals(a).real))


def la_which_pd() -> set[int]:
    mats = [
        np.array([[2.0, -1.0], [-1.0, 2.0]]),
        np.array([[1.0, 2.0], [2.0, 1.0]]),
        np.array([[4.0, 2.0], [2.0, 1.0]]),
        np.array([[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]]),
        np.array([[3.0, 1.0], [1.0, 0.5]]),
        np.array([[1.0, 3.0], [0.0, 1.0]]),
    ]
    out = set()
    for i, m in enumerate(mats):
        # x^T M x only sees the symmetric part of M.
        sym = (m + m.T) / 2
        if np.linalg.eigvalsh(sym).min() > 1e-9:
            out.add(i)
    return out


def calc_chain_rule() -> float:
    # f(x) = sigma(3 x^2 - 1) at x = 0.5; central difference (checked against the chain rule).
    def f(x):
        return 1.0 / (1.0 + np.exp(-(3 * x * x - 1)))

    x, h = 0.5, 1e-6
    numeric = (f(x + h) - f(x - h)) / (2 * h)
    s = f(x)
    analytic = s * (1 - s) * 6 * x
    assert abs(numeric - analytic) < 1e-6
    return float(analytic)


def calc_quadratic_form_gradient() -> int:
    a = np.array([[1.0, 2.0], [0.0, 3.0]])
    x = np.array([1.0, -1.0])

    def f(v):
        return float(v @ a @ v)

    h = 1e-6
    g = np.array([(f(x + e) - f(x - e)) / (2 * h) for e in np.eye(2) * h])
    options = [(-1, -3), (1, -1), (0, -4), (-2, -6)]
    return _nearest(options, g)


def calc_jacobian_backprop() -> float:
    w = np.array([[1.0, -1.0], [2.0, 0.5]])
    x = np.array([0.5, 0.2])

    def loss(v):
        h = np.tanh(w @ v)
        return float(h @ h)

    h = np.tanh(w @ x)
    grad = w.T @ (2 * h * (1 - h**2))
    eps = 1e-6
    numeric = (loss(x + np.array([eps, 0])) - loss(x - np.array([eps, 0]))) / (2 * eps)
    assert abs(numeric - grad[0]) < 1e-6
    return float(grad[0])


def la_rank_nullity() -> int:
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    rank = int(np.linalg.matrix_rank(a))
    nullity = a.shape[1] - rank
    null_basis = np.linalg.svd(a)[2][rank:]
    assert np.allclose(a @ null_basis.T, 0.0)
    options = [(3, 0), (2, 1), (1, 2), (2, 2)]
    return options.index((rank, nullity))


def la_projection_residual() -> float:
    x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    y = np.array([1.0, 2.0, 4.0])
    proj = x @ np.linalg.solve(x.T @ x, x.T)
    resid = y - proj @ y
    assert np.allclose(x.T @ resid, 0.0)
    return float(resid @ resid)


ANSWERS: dict[str, Callable[[], object]] = {
    "maths-la-eigenvalues-2x2": la_eigen_2x2,
    "maths-la-which-positive-definite": la_which_pd,
    "maths-calc-chain-rule-sigmoid": calc_chain_rule,
    "maths-calc-gradient-nonsymmetric-quadratic-form": calc_quadratic_form_gradient,
    "maths-calc-jacobian-chain-two-layers": calc_jacobian_backprop,
    "maths-la-rank-nullity": la_rank_nullity,
    "maths-la-projection-residual": la_projection_residual,
}
