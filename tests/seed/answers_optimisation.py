"""Recompute every objective answer in seed/questions/optimisation.yaml from its prompt.

Numbers below are the data stated in each prompt (or the values printed in its options);
the answers themselves are always computed, never written down.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def _nearest(candidates: list, value) -> int:
    """Index of the option whose stated value is closest to the computed one."""
    value = np.atleast_1d(np.asarray(value, dtype=float))
    dists = [float(np.linalg.norm(np.atleast_1d(np.asarray(c, dtype=float)) - value)) for c in candidates]
    best = int(np.argmin(dists))
    assert dists[best] < 5e-3, (candidates, value)
    return best


def _num_hessian(f: Callable[[np.ndarray], float], p: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central finite-difference Hessian of f at p."""
    n = len(p)
    hess = np.zeros((n, n))
    eye = np.eye(n) * h
    for i in range(n):
        for j in range(n):
            hess[i, j] = (
                f(p + eye[i] + eye[j])
                - f(p + eye[i] - eye[j])
                - f(p - eye[i] + eye[j])
                + f(p - eye[i] - eye[j])
            ) / (4 * h * h)
    return hess


# --- gradient descent -------------------------------------------------------------------


def gd_two_steps() -> float:
    # f(x, y) = x^2 + 4 y^2, start (3, 1), eta = 0.1, two steps, report f.
    def f(w):
        return w[0] ** 2 + 4 * w[1] ** 2

    def grad(w):
        return np.array([2 * w[0], 8 * w[1]])

    w = np.array([3.0, 1.0])
    for _ in range(2):
        w = w - 0.1 * grad(w)
    return float(f(w))


def gd_mse_gradient() -> int:
    # Data (1,2), (2,3), (3,7); y_hat = w x + b at w = 1, b = 0; L = mean squared error.
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([2.0, 3.0, 7.0])
    w, b = 1.0, 0.0

    def loss(params):
        return float(np.mean((params[0] * x + params[1] - y) ** 2))

    # Central differences: L is quadratic, so this is exact up to rounding.
    h = 1e-6
    p = np.array([w, b])
    g = np.array([(loss(p + e) - loss(p - e)) / (2 * h) for e in np.eye(2) * h])
    options = [(-5, -2), (-10, -4), (-30, -12), (10, 4), (-15, -6)]
    return _nearest(options, g)


def gd_softmax_ce() -> float:
    # Logits (2.0, 1.0, 0.1), true class = third; dL/dz_3 for L = -log softmax(z)_3.
    z = np.array([2.0, 1.0, 0.1])

    def loss(v):
        return -(v[2] - np.log(np.sum(np.exp(v))))

    h = 1e-6
    e = np.array([0.0, 0.0, h])
    return float((loss(z + e) - loss(z - e)) / (2 * h))


# --- convexity --------------------------------------------------------------------------


def convex_which() -> set[int]:
    funcs = [
        lambda p: p[0] ** 2 + p[0] * p[1] + p[1] ** 2,
        lambda p: p[0] ** 2 + 3 * p[0] * p[1] + p[1] ** 2,
        lambda p: np.exp(p[0]) + p[1] ** 2 - 2 * p[1],
        lambda p: p[0] ** 4 - 2 * p[0] ** 2 + p[1] ** 2,
        lambda p: np.logaddexp(0.0, p[0] + 2 * p[1]),
        lambda p: p[0] ** 2 - 4 * p[0] * p[1] + 4 * p[1] ** 2,
    ]
    grid = np.linspace(-2.0, 2.0, 9)
    convex = set()
    for i, f in enumerate(funcs):
        min_eig = min(np.linalg.eigvalsh(_num_hessian(f, np.array([a, b]))).min() for a in grid for b in grid)
        if min_eig > -1e-3:
            convex.add(i)
    return convex


def convex_rate_iterations() -> float:
    # f(w) = 1/2 w^T H w, H = [[5, 4], [4, 5]]; best fixed step; k for 1e-6 reduction.
    hess = np.array([[5.0, 4.0], [4.0, 5.0]])
    lam = np.linalg.eigvalsh(hess)
    eta = 2.0 / (lam.min() + lam.max())
    rho = float(np.max(np.abs(1.0 - eta * lam)))
    k = 0
    while rho**k > 1e-6:
        k += 1
    assert k == math.ceil(math.log(1e-6) / math.log(rho))
    return float(k)


# --- learning rates ---------------------------------------------------------------------


def lr_oscillation() -> int:
    # f(x) = 2 x^2, x0 = 1, eta = 0.4; report x_3 and the behaviour.
    x = 1.0
    xs = [x]
    for _ in range(3):
        x = x - 0.4 * (4 * x)
        xs.append(x)
    factor = xs[1] / xs[0]
    assert factor < 0 and abs(factor) < 1  # alternating and shrinking: the behaviour option 1 names
    options = [0.064, -0.216, -3.375, 0.0]
    return _nearest(options, xs[3])


def lr_max_stable() -> float:
    hess = np.array([[5.0, 2.0], [2.0, 2.0]])
    return float(2.0 / np.linalg.eigvalsh(hess).max())


# --- momentum and adaptive methods ------------------------------------------------------


def mom_heavy_ball() -> float:
    # f(x) = x^2, x0 = 1, v0 = 0, beta = 0.9, eta = 0.1; v <- beta v + grad, x <- x - eta v.
    x, v = 1.0, 0.0
    for _ in range(3):
        v = 0.9 * v + 2 * x
        x = x - 0.1 * v
    return x


def mom_adam_two_steps() -> float:
    theta, m, v = 1.0, 0.0, 0.0
    beta1, beta2, eta, eps = 0.9, 0.999, 0.1, 1e-8
    for t, g in enumerate([2.0, -1.0], start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - eta * m_hat / (math.sqrt(v_hat) + eps)
    return theta


# --- second-order -----------------------------------------------------------------------


def second_saddle() -> int:
    # f(x, y) = x^2 + 4xy + y^2 - 6x - 6y: gradient = H p - c with H = [[2,4],[4,2]], c = (6,6).
    hess = np.array([[2.0, 4.0], [4.0, 2.0]])
    c = np.array([6.0, 6.0])
    point = np.linalg.solve(hess, c)
    lam = np.linalg.eigvalsh(hess)
    kind = "min" if lam.min() > 0 else "max" if lam.max() < 0 else "saddle"
    options = [
        ((1, 1), "min"),
        ((1, 1), "saddle"),
        ((1, 1), "max"),
        ((-1, -1), "saddle"),
        ((1.5, 1.5), "min"),
    ]
    matches = [i for i, (pt, k) in enumerate(options) if np.allclose(pt, point) and k == kind]
    assert len(matches) == 1
    return matches[0]


def second_newton_step() -> int:
    # f(x, y) = x^4 + x y + y^2 at (1, 1): one pure Newton step.
    def f(p):
        return p[0] ** 4 + p[0] * p[1] + p[1] ** 2

    p = np.array([1.0, 1.0])
    grad = np.array([4 * p[0] ** 3 + p[1], p[0] + 2 * p[1]])
    hess = _num_hessian(f, p)
    new = p - np.linalg.solve(hess, grad)
    options = [(0.583, -0.500), (1.304, 2.348), (0.696, -0.348), (-4.0, -2.0)]
    return _nearest(options, new)


def second_newton_1d() -> float:
    def grad(x: float) -> float:
        return math.exp(x) - 2.0

    def curv(x: float) -> float:
        return math.exp(x)

    x = 0.0
    for _ in range(2):
        x -= grad(x) / curv(x)
    return x


def convex_quadratic_range() -> int:
    # f(x, y) = x^2 + a x y + 4 y^2 has Hessian [[2, a], [a, 8]]; test each option's claim on a grid of a.
    grid = np.linspace(-12.0, 12.0, 2401)
    convex = np.array([np.linalg.eigvalsh(np.array([[2.0, a], [a, 8.0]])).min() >= -1e-12 for a in grid])
    claims = [
        np.abs(grid) <= 4 + 1e-9,
        np.abs(grid) <= 2 + 1e-9,
        np.abs(grid) <= 8 + 1e-9,
        grid >= 0,
        np.ones_like(grid, dtype=bool),
    ]
    matches = [i for i, c in enumerate(claims) if np.array_equal(c, convex)]
    assert len(matches) == 1
    return matches[0]


ANSWERS: dict[str, Callable[[], object]] = {
    "opt-gd-two-steps-quadratic": gd_two_steps,
    "opt-gd-mse-gradient-three-points": gd_mse_gradient,
    "opt-gd-softmax-cross-entropy-gradient": gd_softmax_ce,
    "opt-convex-which-functions-convex": convex_which,
    "opt-convex-gd-iterations-condition-number": convex_rate_iterations,
    "opt-lr-oscillating-iterates": lr_oscillation,
    "opt-lr-largest-stable-step": lr_max_stable,
    "opt-mom-heavy-ball-three-steps": mom_heavy_ball,
    "opt-mom-adam-two-steps": mom_adam_two_steps,
    "opt-second-classify-stationary-point": second_saddle,
    "opt-second-newton-step-quartic": second_newton_step,
    "opt-second-newton-1d-two-steps": second_newton_1d,
    "opt-convex-quadratic-parameter-range": convex_quadratic_range,
}
