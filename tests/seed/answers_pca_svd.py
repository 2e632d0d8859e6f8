"""Recomputations of the objective answers in seed/questions/pca_svd.yaml.

Each entry recomputes the answer from the numbers stated in the prompt; choice questions
evaluate each option and return the index that holds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _components_for_variance_target() -> int:
    eigenvalues = np.array([2.6, 1.2, 0.55, 0.4, 0.25])
    options = [2, 3, 4, 5]
    cumulative = np.cumsum(eigenvalues) / eigenvalues.sum()
    k = int(np.argmax(cumulative >= 0.90)) + 1
    return options.index(k)


def _score_of_a_point() -> float:
    x = np.array([[4.0, 2.0], [2.0, 4.0], [0.0, -2.0], [-2.0, 0.0]])
    centred = x - x.mean(axis=0)
    cov = centred.T @ centred / len(x)
    values, vectors = np.linalg.eigh(cov)
    v1 = vectors[:, np.argmax(values)]
    v1 = v1 if v1[0] > 0 else -v1
    # The same direction from the SVD of the centred data.
    _, _, vt = np.linalg.svd(centred)
    assert np.isclose(abs(vt[0] @ v1), 1.0)
    return float(centred[0] @ v1)


def _relative_reconstruction_error() -> float:
    s = np.array([12.0, 8.0, 3.0, 2.0, 1.0])
    # Build a matrix with exactly these singular values and check Eckart–Young numerically.
    rng = np.random.default_rng(0)
    u, _ = np.linalg.qr(rng.standard_normal((20, 5)))
    v, _ = np.linalg.qr(rng.standard_normal((7, 5)))
    x = u @ np.diag(s) @ v.T
    uu, ss, vt = np.linalg.svd(x, full_matrices=False)
    x2 = uu[:, :2] @ np.diag(ss[:2]) @ vt[:2]
    direct = np.linalg.norm(x - x2) / np.linalg.norm(x)
    formula = np.sqrt((s[2:] ** 2).sum() / (s**2).sum())
    assert np.isclose(direct, formula)
    return float(formula)


def _covariance_before_and_after_standardising() -> set[int]:
    s = np.array([[5.0, 2.0], [2.0, 2.0]])
    values, vectors = np.linalg.eigh(s)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    sd = np.sqrt(np.diag(s))
    corr = s / np.outer(sd, sd)
    c_values, c_vectors = np.linalg.eigh(corr)
    c_order = np.argsort(c_values)[::-1]
    c_values, c_vectors = c_values[c_order], c_vectors[:, c_order]

    def parallel(v: np.ndarray, w: tuple[float, float]) -> bool:
        return bool(np.isclose(abs(v @ np.array(w)) / np.linalg.norm(w), 1.0))

    claims = [
        abs(values[0] / values.sum() - 0.86) < 0.005,
        parallel(vectors[:, 0], (2, 1)),
        parallel(c_vectors[:, 0], (2, 1)),
        c_values[0] / c_values.sum() > 0.86,
        np.isclose(values[1], 1.0),
    ]
    return {i for i, ok in enumerate(claims) if ok}


ANSWERS: dict[str, Callable[[], object]] = {
    "pca-components-for-variance-target": _components_for_variance_target,
    "pca-score-of-a-point-2d": _score_of_a_point,
    "pca-relative-reconstruction-error": _relative_reconstruction_error,
    "pca-covariance-before-and-after-standardising": _covariance_before_and_after_standardising,
}
