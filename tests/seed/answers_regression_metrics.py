"""Recomputations of the objective answers in seed/questions/regression_metrics.yaml.

Each entry recomputes the answer from the numbers stated in the prompt; choice questions
evaluate each option's claim and return the index (or set of indices) that holds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize


def _huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))


def _best_constant(y: np.ndarray, loss: Callable[[np.ndarray], np.ndarray]) -> float:
    res = optimize.minimize_scalar(lambda c: loss(y - c).mean(), bounds=(y.min(), y.max()), method="bounded")
    return float(res.x)


def _constant_mae_optimum() -> float:
    y = np.array([2.0, 3.0, 3.0, 4.0, 28.0])
    c = _best_constant(y, np.abs)
    assert np.isclose(c, np.median(y), atol=1e-4)
    return float(np.abs(y - np.median(y)).mean())


def _huber_mean_loss() -> float:
    r = np.array([0.5, -2.0, 3.0, -0.2])
    return float(_huber(r, 1.0).mean())


def _outlier_effects() -> set[int]:
    before = np.array([4.0, 6.0, 7.0, 9.0, 9.0])
    after = np.array([4.0, 6.0, 7.0, 9.0, 49.0])
    mse_c = [_best_constant(y, np.square) for y in (before, after)]
    mae_c = [float(np.median(y)) for y in (before, after)]
    hub_c = _best_constant(after, lambda r: _huber(r, 1.0))
    mae = [float(np.abs(y - c).mean()) for y, c in zip((before, after), mae_c, strict=True)]
    rmse = [float(np.sqrt(((y - c) ** 2).mean())) for y, c in zip((before, after), mse_c, strict=True)]
    claims = [
        np.isclose(mse_c[1] - mse_c[0], 8, atol=1e-3),
        mae_c[1] != mae_c[0],
        np.isclose(hub_c, 7, atol=1e-3),
        np.isclose(mae[0], mae[1]),
        rmse[1] / rmse[0] < 5,
    ]
    return {i for i, ok in enumerate(claims) if ok}


def _pinball_quantile_constant() -> int:
    y = np.array([12, 15, 9, 20, 14, 30, 11, 18, 16, 13], dtype=float)
    tau = 0.8
    options = [float(np.median(y)), float(y.mean()), 19.0, float(y.max())]
    assert np.isclose(options[0], 14.5) and np.isclose(options[1], 15.8)

    def loss(c: float) -> float:
        r = y - c
        return float(np.maximum(tau * r, (tau - 1) * r).mean())

    return int(np.argmin([loss(c) for c in options]))


ANSWERS: dict[str, Callable[[], object]] = {
    "regm-constant-mae-optimum": _constant_mae_optimum,
    "regm-huber-mean-loss": _huber_mean_loss,
    "regm-outlier-effects": _outlier_effects,
    "regm-pinball-quantile-constant": _pinball_quantile_constant,
}
