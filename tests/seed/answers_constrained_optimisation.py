"""Recomputations of the objective answers in seed/questions/constrained_optimisation.yaml.

Each entry solves the stated problem numerically (scipy's SLSQP) and, where the question is
about multipliers, checks the KKT conditions at the solution.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize


def _lagrange_equality_minimum() -> float:
    res = optimize.minimize(
        lambda z: z @ z,
        x0=np.zeros(2),
        constraints=[{"type": "eq", "fun": lambda z: z[0] + 2 * z[1] - 5}],
        method="SLSQP",
    )
    # Closed form from the Lagrange system: [2 0 -1; 0 2 -2; 1 2 0] [x y lam] = [0 0 5].
    x, y, lam = np.linalg.solve(np.array([[2.0, 0, -1], [0, 2.0, -2], [1.0, 2, 0]]), np.array([0, 0, 5.0]))
    assert np.allclose(res.x, [x, y], atol=1e-5) and np.isclose(lam, 2.0)
    return float(res.fun)


def _which_point_satisfies_kkt() -> int:
    def grad_f(p: np.ndarray) -> np.ndarray:
        return 2 * (p - np.array([3.0, 2.0]))

    grad_g = np.array([1.0, 1.0])
    candidates = [((3.0, 2.0), 0.0), ((2.5, 1.5), 1.0), ((2.5, 1.5), -1.0), ((2.0, 2.0), 2.0)]

    def kkt(point: tuple[float, float], mu: float) -> bool:
        p = np.array(point)
        g = p.sum() - 4
        return bool(
            np.allclose(grad_f(p) + mu * grad_g, 0) and g <= 1e-12 and mu >= 0 and abs(mu * g) < 1e-12
        )

    ok = [i for i, (p, mu) in enumerate(candidates) if kkt(p, mu)]
    assert len(ok) == 1
    res = optimize.minimize(
        lambda z: ((z - [3.0, 2.0]) ** 2).sum(),
        x0=np.zeros(2),
        constraints=[{"type": "ineq", "fun": lambda z: 4 - z.sum()}],
        method="SLSQP",
    )
    assert np.allclose(res.x, candidates[ok[0]][0], atol=1e-5)
    return ok[0]


def _dual_of_one_constraint_qp() -> float:
    a, b = np.array([3.0, 4.0]), 10.0

    def neg_dual(lam: float) -> float:
        w = lam * a  # argmin_w of the Lagrangian
        return -(0.5 * w @ w + lam * (b - a @ w))

    lam = optimize.minimize_scalar(neg_dual, bounds=(0, 10), method="bounded").x
    primal = optimize.minimize(
        lambda w: 0.5 * w @ w,
        x0=np.zeros(2),
        constraints=[{"type": "ineq", "fun": lambda w: a @ w - b}],
        method="SLSQP",
    )
    assert np.isclose(primal.fun, -neg_dual(lam), atol=1e-5)  # no duality gap
    return float(lam)


def _project_onto_simplex() -> float:
    v = np.array([0.8, 0.6, -0.2])
    res = optimize.minimize(
        lambda x: 0.5 * ((x - v) ** 2).sum(),
        x0=np.full(3, 1 / 3),
        bounds=[(0, None)] * 3,
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1}],
        method="SLSQP",
    )
    # The sort-based algorithm from the follow-up gives the same point.
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1
    k = np.nonzero(u - css / np.arange(1, 4) > 0)[0][-1] + 1
    x = np.maximum(v - css[k - 1] / k, 0)
    assert np.allclose(res.x, x, atol=1e-5)
    return float(x[0])


ANSWERS: dict[str, Callable[[], object]] = {
    "kkt-lagrange-equality-minimum": _lagrange_equality_minimum,
    "kkt-which-point-satisfies-kkt": _which_point_satisfies_kkt,
    "kkt-dual-of-one-constraint-qp": _dual_of_one_constraint_qp,
    "kkt-project-onto-simplex": _project_onto_simplex,
}
