"""Recompute every objective answer in seed/questions/linear_models.yaml from its prompt's numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit, logsumexp


def _ols_predict_four_points() -> float:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([2.0, 3.0, 5.0, 6.0])
    X = np.column_stack([np.ones_like(x), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return float(beta[0] + beta[1] * 6.0)


def _r2_from_predictions() -> float:
    y = np.array([3.0, 5.0, 4.0, 8.0, 10.0])
    y_hat = np.array([3.2, 4.4, 5.6, 7.6, 9.2])
    rss = np.sum((y - y_hat) ** 2)
    tss = np.sum((y - y.mean()) ** 2)
    return float(1.0 - rss / tss)


def _log_outcome_percent_change() -> float:
    coef, delta = 0.08, 3.0
    return float((np.exp(coef * delta) - 1.0) * 100.0)


def _ols_two_features() -> float:
    x1 = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    x2 = np.array([2.0, 1.0, 4.0, 3.0, 6.0])
    y = np.array([3.0, 4.0, 8.0, 8.0, 13.0])
    X = np.column_stack([np.ones_like(x1), x1, x2])
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    return float(beta[1])


def _logreg_predict_probability() -> float:
    w = np.array([0.8, -1.5])
    b = 0.3
    x = np.array([2.0, 1.0])
    return float(expit(w @ x + b))


def _logreg_odds_ratio_probability() -> float:
    coef, extra, p0 = 0.35, 2.0, 0.20
    odds = p0 / (1.0 - p0) * np.exp(coef * extra)
    return float(odds / (1.0 + odds))


def _logreg_log_loss() -> float:
    y = np.array([1, 0, 1, 1, 0], dtype=float)
    p = np.array([0.9, 0.2, 0.6, 0.3, 0.1])
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _logreg_gradient_step() -> float:
    X = np.array([[1.0, 2.0], [2.0, -1.0], [-1.0, 1.0]])
    y = np.array([1.0, 0.0, 1.0])
    w = np.array([0.5, -0.5])
    b, eta = 0.0, 0.5
    p = expit(X @ w + b)
    grad_w = X.T @ (p - y) / len(y)
    return float((w - eta * grad_w)[0])


def _softmax_cross_entropy() -> float:
    W = np.array([[1.0, 0.0], [0.5, 1.0], [-1.0, 2.0]])
    b = np.array([0.0, 0.5, -0.5])
    x = np.array([2.0, 1.0])
    z = W @ x + b
    true_class = 0  # "class 1" in the prompt
    return float(logsumexp(z) - z[true_class])


def _logreg_threshold_boundary() -> int:
    w = np.array([2.0, -1.0])
    b = -1.0
    threshold = 0.8
    points = np.array([[1.0, 0.0], [3.0, 4.0], [0.0, 0.0], [1.5, 0.0], [2.0, 1.8]])
    positive = np.flatnonzero(expit(points @ w + b) >= threshold)
    assert len(positive) == 1
    return int(positive[0])


def _ridge_one_feature() -> float:
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([2.0, 3.0, 5.0])
    lam = 1.0
    return float(x @ y / (x @ x + lam))


def _ridge_effective_df() -> float:
    # Build a design with the stated singular values and take the trace of the smoother.
    d = np.array([3.0, 1.0, 0.5])
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.normal(size=(6, 3)))
    V, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    X = U @ np.diag(d) @ V.T
    lam = 1.0
    H = X @ np.linalg.solve(X.T @ X + lam * np.eye(3), X.T)
    return float(np.trace(H))


def _lasso_orthogonal_design() -> int:
    gram_diag = np.array([4.0, 9.0, 1.0])
    xty = np.array([10.0, -3.0, 5.0])
    lam = 4.0
    w = np.sign(xty) * np.maximum(np.abs(xty) - lam, 0.0) / gram_diag
    options = [
        (2.5, -0.333, 5.0),
        (1.5, 0.0, 1.0),
        (0.0, 0.0, 1.0),
        (1.5, 0.111, 1.0),
        (1.25, -0.231, 1.0),
    ]
    matches = [i for i, opt in enumerate(options) if np.allclose(w, opt, atol=5e-4)]
    assert len(matches) == 1
    return matches[0]


def _ridge_map_estimate() -> float:
    x = np.array([1.0, 2.0, 2.0, 3.0])
    y = np.array([1.5, 2.5, 3.5, 4.0])
    sigma2, tau2 = 2.0, 0.5
    # Maximise the log-posterior: Gaussian likelihood plus Gaussian prior.
    precision = x @ x / sigma2 + 1.0 / tau2
    return float((x @ y / sigma2) / precision)


def _ridge_vs_ols_small_data() -> set[int]:
    X = np.array([[-2.0, -2.0], [-1.0, 0.0], [0.0, 1.0], [3.0, 1.0]])
    y = np.array([-4.0, -1.0, 0.0, 5.0])
    lam = 2.0
    G = X.T @ X
    ols = np.linalg.solve(G, X.T @ y)
    ridge = np.linalg.solve(G + lam * np.eye(2), X.T @ y)

    def rss(beta: np.ndarray) -> float:
        return float(np.sum((y - X @ beta) ** 2))

    statements = [
        abs(ridge[0] - 1.278) < 5e-4,
        abs(ridge[1]) < abs(ols[1]),
        np.linalg.norm(ridge) < np.linalg.norm(ols),
        rss(ridge) > rss(ols),
        abs(ridge[1] - ols[1] * G[1, 1] / (G[1, 1] + lam)) < 5e-4,
    ]
    return {i for i, ok in enumerate(statements) if ok}


ANSWERS: dict[str, Callable[[], object]] = {
    "linear-ols-predict-four-points": _ols_predict_four_points,
    "linear-r2-from-predictions": _r2_from_predictions,
    "linear-log-outcome-percent-change": _log_outcome_percent_change,
    "linear-ols-two-features": _ols_two_features,
    "linear-logreg-predict-probability": _logreg_predict_probability,
    "linear-logreg-odds-ratio-probability": _logreg_odds_ratio_probability,
    "linear-logreg-log-loss": _logreg_log_loss,
    "linear-logreg-gradient-step": _logreg_gradient_step,
    "linear-softmax-cross-entropy": _softmax_cross_entropy,
    "linear-logreg-threshold-boundary": _logreg_threshold_boundary,
    "linear-ridge-one-feature": _ridge_one_feature,
    "linear-ridge-effective-df": _ridge_effective_df,
    "linear-lasso-orthogonal-design": _lasso_orthogonal_design,
    "linear-ridge-map-estimate": _ridge_map_estimate,
    "linear-ridge-vs-ols-small-data": _ridge_vs_ols_small_data,
}
