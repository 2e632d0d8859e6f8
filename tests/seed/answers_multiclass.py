"""Recomputations of the objective answers in seed/questions/multiclass.yaml."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    return 2 * tp / (2 * tp + fp + fn)


def _macro_f1() -> float:
    confusion = np.array([[50, 5, 5], [10, 20, 10], [2, 3, 15]])  # rows true, columns predicted
    tp = np.diag(confusion)
    fp = confusion.sum(axis=0) - tp
    fn = confusion.sum(axis=1) - tp
    return float(_f1(tp, fp, fn).mean())


def _micro_f1_multilabel() -> float:
    tp, fp, fn = np.array([40, 5, 2]), np.array([10, 5, 8]), np.array([10, 15, 2])
    return float(_f1(tp.sum(), fp.sum(), fn.sum()))


def _classifier_counts() -> int:
    k = 12
    ovr, ovo = k, len(list(combinations(range(k), 2)))
    fraction = 2 / k
    options = [(12, 66, 1 / 6), (12, 132, 1 / 6), (11, 66, 1.0), (12, 66, 1 / 12)]
    return next(i for i, o in enumerate(options) if o[:2] == (ovr, ovo) and np.isclose(o[2], fraction))


def _weighted_f1() -> float:
    confusion = np.array([[50, 5, 5], [10, 20, 10], [2, 3, 15]])
    tp = np.diag(confusion)
    f1 = _f1(tp, confusion.sum(axis=0) - tp, confusion.sum(axis=1) - tp)
    support = confusion.sum(axis=1)
    assert list(support) == [60, 40, 20]
    return float(np.average(f1, weights=support))


ANSWERS: dict[str, Callable[[], object]] = {
    "mc-macro-f1-three-classes": _macro_f1,
    "mc-micro-f1-multilabel": _micro_f1_multilabel,
    "mc-ovr-ovo-classifier-count": _classifier_counts,
    "mc-weighted-f1-from-report": _weighted_f1,
}
