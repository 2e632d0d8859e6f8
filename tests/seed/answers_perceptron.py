"""Recomputations of the objective answers in seed/questions/perceptron.yaml.

Each entry runs the perceptron (or evaluates the bound) on the data stated in the prompt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize


def _run(x: np.ndarray, y: np.ndarray, w: np.ndarray, max_passes: int = 100) -> tuple[np.ndarray, int]:
    """Cyclic perceptron with the bias as a constant last feature; a zero score is a mistake."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    mistakes = 0
    for _ in range(max_passes):
        before = mistakes
        for xi, yi in zip(xb, y, strict=True):
            if yi * (w @ xi) <= 0:
                w = w + yi * xi
                mistakes += 1
        if mistakes == before:
            return w, mistakes
    raise AssertionError("did not converge")


def _score_after_one_update() -> float:
    w, b = np.array([0.5, -1.0]), 0.5
    x, y = np.array([1.0, 2.0]), 1
    assert y * (w @ x + b) <= 0  # the prompt's example is a mistake
    w, b = w + y * x, b + y
    return float(w @ x + b)


def _run_to_convergence() -> int:
    x = np.array([[2, 1], [0, 2], [-1, -1], [1, -2], [-2, 1]], dtype=float)
    y = np.array([1, 1, -1, -1, -1])
    w, mistakes = _run(x, y, np.zeros(3))
    assert mistakes <= 20
    options = [(2, 1, 1), (1, 3, 0), (3, 2, -1), (4, 4, -2)]
    return next(i for i, o in enumerate(options) if np.allclose(o, w))


def _novikoff_bound_from_data() -> float:
    x = np.array([[3, 4], [1, 0.5], [-1, -0.25], [-2, -1]])
    y = np.array([1, 1, -1, -1])
    u = np.array([0.6, 0.8])
    assert np.isclose(np.linalg.norm(u), 1.0)
    gamma = float((y * (x @ u)).min())
    r = float(np.linalg.norm(x, axis=1).max())
    bound = (r / gamma) ** 2
    # The perceptron through the origin respects the bound on this data, in any order.
    rng = np.random.default_rng(0)
    for _ in range(50):
        order = rng.permutation(len(x))
        w, mistakes = np.zeros(2), 0
        for _pass in range(100):
            changed = False
            for i in order:
                if y[i] * (w @ x[i]) <= 0:
                    w, mistakes, changed = w + y[i] * x[i], mistakes + 1, True
            if not changed:
                break
        assert mistakes <= bound
    return bound


def _separable(x: np.ndarray, y: np.ndarray) -> bool:
    """Is there (w, b) with y_i (w.x_i + b) >= 1 for all i? A linear feasibility problem."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    res = optimize.linprog(
        c=np.zeros(xb.shape[1]),
        A_ub=-(y[:, None] * xb),
        b_ub=-np.ones(len(x)),
        bounds=[(None, None)] * xb.shape[1],
    )
    return bool(res.status == 0)


def _which_data_sets_converge() -> set[int]:
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    data = [
        (corners, np.array([-1, -1, -1, 1])),
        (corners, np.array([-1, 1, 1, -1])),
        (np.array([[1.0], [2.0], [3.0]]), np.array([1, -1, 1])),
        (np.array([[0, 0], [2, 0], [0, 2], [2, 2], [1, 1]], dtype=float), np.array([1, -1, -1, -1, -1])),
    ]
    out = set()
    for i, (x, y) in enumerate(data):
        if _separable(x, y):
            _run(x, y, np.zeros(x.shape[1] + 1))  # and the perceptron indeed stops
            out.add(i)
    return out


ANSWERS: dict[str, Callable[[], object]] = {
    "perc-score-after-one-update": _score_after_one_update,
    "perc-run-to-convergence": _run_to_convergence,
    "perc-novikoff-bound-from-data": _novikoff_bound_from_data,
    "perc-which-data-sets-converge": _which_data_sets_converge,
}
