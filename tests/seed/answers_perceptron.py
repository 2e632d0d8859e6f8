"""Recomputations of the objective answers in seed/questions/perceptron.yaml.

Each entry runs the perceptron (or evaluates the bound) on the data stated in the prompt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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


ANSWERS: dict[str, Callable[[], object]] = {
    "perc-score-after-one-update": _score_after_one_update,
    "perc-run-to-convergence": _run_to_convergence,
    "perc-novikoff-bound-from-data": _novikoff_bound_from_data,
}
