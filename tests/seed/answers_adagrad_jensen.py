"""Recomputations of the objective answers in seed/questions/adagrad_jensen.yaml."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _adagrad_two_steps() -> float:
    w, accumulated, lr = 1.0, 0.0, 0.5
    for g in (2.0, 1.0):
        accumulated += g * g
        w -= lr * g / np.sqrt(accumulated)
    return float(w)


def _jensen_gap() -> float:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    gap = np.log(x.mean()) - np.log(x).mean()
    assert gap > 0
    return float(gap)


def _ensemble_gap() -> float:
    predictions, target = np.array([2.0, 4.0, 5.0]), 3.0
    gap = np.mean((predictions - target) ** 2) - (predictions.mean() - target) ** 2
    assert np.isclose(gap, predictions.var())
    return float(gap)


def _ensemble_log_loss() -> float:
    p = np.array([0.9, 0.5])
    average_of_losses = np.mean(-np.log(p))
    loss_of_average = -np.log(p.mean())
    return float(average_of_losses - loss_of_average)


ANSWERS: dict[str, Callable[[], object]] = {
    "aj-adagrad-two-steps": _adagrad_two_steps,
    "aj-jensen-gap-log": _jensen_gap,
    "aj-jensen-ensemble-squared-error": _ensemble_gap,
    "aj-jensen-ensemble-log-loss": _ensemble_log_loss,
}
