"""Recomputations of the objective answers in seed/questions/information_theory.yaml.

Each entry recomputes the answer from the numbers stated in the prompt (scipy's entropy and
relative-entropy functions cross-check the hand formulas).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special, stats


def _entropy_four_outcomes() -> float:
    p = np.array([0.4, 0.3, 0.2, 0.1])
    h = float(-(p * np.log2(p)).sum())
    assert np.isclose(h, stats.entropy(p, base=2))
    return h


def _closest_model_forward_kl() -> int:
    p = np.array([0.6, 0.3, 0.1])
    models = np.array([[0.62, 0.36, 0.02], [0.45, 0.35, 0.20], [0.50, 0.20, 0.30], [0.80, 0.10, 0.10]])
    forward = [float(special.rel_entr(p, q).sum()) for q in models]
    reverse = [float(special.rel_entr(q, p).sum()) for q in models]
    assert np.argmin(reverse) != np.argmin(forward)  # the asymmetry the feedback points out
    return int(np.argmin(forward))


def _label_smoothing_cross_entropy() -> float:
    q = np.array([0.7, 0.2, 0.1])
    eps, k = 0.1, 3
    t = (1 - eps) * np.eye(k)[0] + eps / k
    ce = float(-(t * np.log(q)).sum())
    assert np.isclose(ce, stats.entropy(t) + stats.entropy(t, q))  # H(t,q) = H(t) + KL(t||q)
    return ce


def _mutual_information_table() -> float:
    counts = np.array([[300.0, 100.0], [100.0, 500.0]])  # rows: word present/absent; cols: spam/not
    joint = counts / counts.sum()
    px = joint.sum(axis=1, keepdims=True)
    py = joint.sum(axis=0, keepdims=True)
    mi = float((joint * np.log2(joint / (px * py))).sum())
    h_y = stats.entropy(py.ravel(), base=2)
    h_y_given_x = sum(px[i, 0] * stats.entropy(joint[i] / px[i, 0], base=2) for i in range(2))
    assert np.isclose(mi, h_y - h_y_given_x)
    return mi


def _vae_kl_term() -> float:
    mu = np.array([0.5, -1.0])
    sigma = np.array([0.8, 1.5])
    closed = float((0.5 * (sigma**2 + mu**2 - 1 - np.log(sigma**2))).sum())
    # Monte Carlo check: E_q[log q(z) - log p(z)].
    rng = np.random.default_rng(0)
    z = mu + sigma * rng.standard_normal((400_000, 2))
    mc = (stats.norm.logpdf(z, mu, sigma) - stats.norm.logpdf(z)).sum(axis=1).mean()
    assert abs(mc - closed) < 0.01
    return closed


ANSWERS: dict[str, Callable[[], object]] = {
    "info-entropy-four-outcomes": _entropy_four_outcomes,
    "info-closest-model-forward-kl": _closest_model_forward_kl,
    "info-label-smoothing-cross-entropy": _label_smoothing_cross_entropy,
    "info-mutual-information-table": _mutual_information_table,
    "info-vae-kl-term": _vae_kl_term,
}
