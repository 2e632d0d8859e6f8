"""Recomputations of the objective answers in seed/questions/evaluation.yaml.

Each entry recomputes the answer from the numbers stated in the prompt. Choice questions
evaluate each option's claim and return the index (or set of indices) that holds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats


def _f1_from_confusion_matrix() -> float:
    tp, fn, fp, tn = 42, 14, 18, 926
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    assert tp + fn + fp + tn == 1000
    return 2 * precision * recall / (precision + recall)


def _roc_auc_from_scores() -> float:
    pos = np.array([0.92, 0.81, 0.74, 0.55, 0.40])
    neg = np.array([0.86, 0.62, 0.55, 0.33, 0.21, 0.12])
    pairs = (pos[:, None] > neg[None, :]).astype(float) + 0.5 * (pos[:, None] == neg[None, :])
    auc = pairs.mean()
    # Cross-check with the Mann–Whitney U statistic (ties counted as one half).
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    assert np.isclose(u / (len(pos) * len(neg)), auc)
    # And with the trapezoidal area under the empirical ROC curve.
    thresholds = np.unique(np.concatenate([pos, neg, [np.inf]]))[::-1]
    tpr = np.array([(pos >= t).mean() for t in thresholds])
    fpr = np.array([(neg >= t).mean() for t in thresholds])
    assert np.isclose(np.trapezoid(tpr, fpr) if hasattr(np, "trapezoid") else np.trapz(tpr, fpr), auc)
    return float(auc)


def _cost_optimal_operating_point() -> int:
    prevalence, c_fn, c_fp = 0.10, 20.0, 1.0
    points = [(0.60, 0.02), (0.80, 0.08), (0.90, 0.15), (0.97, 0.35)]  # options A..D in order
    costs = [prevalence * c_fn * (1 - tpr) + (1 - prevalence) * c_fp * fpr for tpr, fpr in points]
    return int(np.argmin(costs))


def _unstratified_empty_fold() -> float:
    n, positives, fold = 1000, 20, 100
    p = stats.hypergeom(M=n, n=positives, N=fold).pmf(0)
    product = np.prod([(n - fold - i) / (n - i) for i in range(positives)])
    assert np.isclose(p, product)
    return float(p)


def _selection_optimism() -> float:
    configs, true_acc, sd, level = 20, 0.80, 0.01, 0.82
    z = (level - true_acc) / sd
    p = 1 - stats.norm.cdf(z) ** configs
    # Monte Carlo sanity check of the analytic answer.
    rng = np.random.default_rng(0)
    sims = true_acc + sd * rng.standard_normal((200_000, configs))
    assert abs((sims.max(axis=1) >= level).mean() - p) < 0.005
    return float(p)


def _shrinkage_bias_variance() -> float:
    mu, sigma2, n, c = 1.0, 4.0, 10, 0.8
    noise = sigma2
    bias2 = (c * mu - mu) ** 2
    variance = c**2 * sigma2 / n
    return noise + bias2 + variance


def _balanced_accuracy() -> float:
    tp, fp, fn, tn = 60, 300, 140, 9500
    assert tp + fn == 200 and tp + fp + fn + tn == 10_000
    assert np.isclose((tp + tn) / 10_000, 0.956)  # the accuracy quoted in the prompt
    return (tp / (tp + fn) + tn / (tn + fp)) / 2


def _prevalence_shift_metrics() -> set[int]:
    tpr, fpr = 0.90, 0.05
    old, new = 0.10, 0.01

    def precision(pi: float) -> float:
        return pi * tpr / (pi * tpr + (1 - pi) * fpr)

    def accuracy(pi: float) -> float:
        return pi * tpr + (1 - pi) * (1 - fpr)

    recall_old, recall_new = tpr, tpr  # recall is computed within the positive class
    prec_new = precision(new)
    f1_new = 2 * prec_new * recall_new / (prec_new + recall_new)
    spec_old, spec_new = 1 - fpr, 1 - fpr
    claims = [
        np.isclose(recall_new, 0.90) and np.isclose(recall_old, recall_new),
        abs(precision(old) - 0.67) < 0.005 and abs(prec_new - 0.15) < 0.005,
        accuracy(new) < accuracy(old),
        f1_new < 0.3,
        spec_new < spec_old,
        (1 - new) > accuracy(new),
    ]
    return {i for i, ok in enumerate(claims) if ok}


def _undersampling_probability_correction() -> float:
    beta, p_s = 0.10, 0.6
    odds = beta * p_s / (1 - p_s)
    p = odds / (1 + odds)
    assert np.isclose(p, beta * p_s / (beta * p_s - p_s + 1))
    return p


def _mcc_confusion_claims() -> set[int]:
    tp, fn, fp, tn = 40, 10, 20, 130

    def mcc(tp: float, fn: float, fp: float, tn: float) -> float:
        return float((tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))

    # Cross-check the formula against the Pearson correlation of the label and prediction vectors.
    y = np.repeat([1, 1, 0, 0], [tp, fn, fp, tn])
    p = np.repeat([1, 0, 1, 0], [tp, fn, fp, tn])
    assert np.isclose(np.corrcoef(y, p)[0, 1], mcc(tp, fn, fp, tn))
    claims = [
        np.isclose((tp + tn) / (tp + fn + fp + tn), 0.85),
        abs(mcc(tp, fn, fp, tn) - 0.63) < 0.005,
        np.isclose(tp / (tp + fp), 0.80),
        not np.isclose(mcc(tn, fp, fn, tp), mcc(tp, fn, fp, tn)),
        abs(2 * tp / (2 * tp + fp + fn) - 0.727) < 0.0005,
    ]
    return {i for i, ok in enumerate(claims) if ok}


def _knn_bias_variance_point() -> float:
    sigma2, k, f0 = 1.0, 5, 2.0
    f_nbrs = np.array([2.4, 1.8, 2.6, 2.2, 2.5])
    assert len(f_nbrs) == k
    bias2 = (f_nbrs.mean() - f0) ** 2
    exact = sigma2 + bias2 + sigma2 / k
    # Monte Carlo check of the decomposition with Gaussian noise.
    rng = np.random.default_rng(0)
    draws = 400_000
    pred = (f_nbrs + rng.normal(0, np.sqrt(sigma2), size=(draws, k))).mean(axis=1)
    y0 = f0 + rng.normal(0, np.sqrt(sigma2), size=draws)
    assert abs(np.mean((y0 - pred) ** 2) - exact) < 0.02
    return float(exact)


ANSWERS: dict[str, Callable[[], object]] = {
    "eval-f1-from-confusion-matrix": _f1_from_confusion_matrix,
    "eval-roc-auc-from-scores": _roc_auc_from_scores,
    "eval-cost-optimal-operating-point": _cost_optimal_operating_point,
    "eval-mcc-confusion-claims": _mcc_confusion_claims,
    "eval-unstratified-empty-fold": _unstratified_empty_fold,
    "eval-selection-optimism": _selection_optimism,
    "eval-shrinkage-bias-variance": _shrinkage_bias_variance,
    "eval-knn-bias-variance-point": _knn_bias_variance_point,
    "eval-balanced-accuracy": _balanced_accuracy,
    "eval-prevalence-shift-metrics": _prevalence_shift_metrics,
    "eval-undersampling-probability-correction": _undersampling_probability_correction,
}
