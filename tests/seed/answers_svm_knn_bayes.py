"""Recompute the objective answers of seed/questions/svm_knn_bayes.yaml from their prompts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

# ---------------------------------------------------------------- SVM and kernels


def svm_point_hyperplane_distance() -> float:
    w = np.array([2.0, -1.0, 2.0])
    b = -3.0
    x = np.array([1.0, 4.0, 2.0])
    return float(abs(w @ x + b) / np.linalg.norm(w))


def svm_rbf_kernel_value() -> float:
    gamma = 0.5
    x = np.array([1.0, 2.0, 0.0])
    z = np.array([2.0, 0.0, 1.0])
    return float(np.exp(-gamma * np.sum((x - z) ** 2)))


def svm_soft_margin_objective() -> float:
    w = np.array([1.0, -0.5])
    b = -0.25
    c = 2.0
    x = np.array([[2, 0], [1, 1], [0, 1], [1, -1], [0.5, 0.5]], dtype=float)
    y = np.array([1, 1, -1, -1, -1], dtype=float)
    hinge = np.maximum(0.0, 1.0 - y * (x @ w + b))
    return float(0.5 * w @ w + c * hinge.sum())


def svm_which_support_vectors() -> set[int]:
    w = np.array([1.0, 1.0])
    b = -3.0
    x = np.array([[3, 2], [2, 2], [1, 0.5], [1.5, 1], [1, 1], [2, 1.5]], dtype=float)
    y = np.array([1, 1, -1, -1, -1, 1], dtype=float)
    margins = y * (x @ w + b)
    # KKT: alpha_i > 0 exactly for points on or inside the margin (non-degenerate case).
    return {int(i) for i in np.flatnonzero(margins <= 1 + 1e-9)}


def svm_kernel_expansion_xor() -> float:
    x = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
    y = np.array([1, 1, -1, -1], dtype=float)
    alpha = np.full(4, 1 / 8)

    def k(a: np.ndarray, bmat: np.ndarray) -> np.ndarray:
        return (a @ bmat.T + 1.0) ** 2

    gram = k(x, x)
    # b from the support vector x_1 (y_1 f(x_1) = 1).
    b = y[0] - (alpha * y) @ gram[:, 0]
    z = np.array([[2.0, -0.75]])
    return float((alpha * y) @ k(x, z)[:, 0] + b)


def svm_psd_gram_matrix() -> set[int]:
    p = np.array([-1.0, 0.0, 2.0])
    xx, zz = np.meshgrid(p, p, indexing="ij")
    candidates = [
        (xx * zz + 1) ** 2,
        np.exp(-((xx - zz) ** 2) / 2),
        xx * zz - 1,
        np.abs(xx - zz),
        np.exp(xx * zz),
        np.tanh(xx * zz + 1),
    ]
    return {i for i, gram in enumerate(candidates) if np.linalg.eigvalsh(gram).min() >= -1e-10}


# ---------------------------------------------------------------- k-nearest neighbours


def _knn_vote(x: np.ndarray, labels: np.ndarray, q: np.ndarray, k: int, weighted: bool) -> str:
    d = np.linalg.norm(x - q, axis=1)
    idx = np.argsort(d, kind="stable")[:k]
    scores: dict[str, float] = {}
    for i in idx:
        scores[labels[i]] = scores.get(labels[i], 0.0) + (1.0 / d[i] if weighted else 1.0)
    best = max(scores.values())
    winners = [c for c, s in scores.items() if np.isclose(s, best)]
    assert len(winners) == 1, scores
    return winners[0]


def knn_majority_vote() -> int:
    x = np.array([[0, 0], [4, 2], [1, 1], [4, 5], [2, 3], [3, 0], [5, 3]], dtype=float)
    labels = np.array(list("BABAABA"))
    q = np.array([2.0, 2.0])
    d = np.linalg.norm(x - q, axis=1)
    assert len(np.unique(d)) == len(d)  # no distance ties
    got = (_knn_vote(x, labels, q, 3, False), _knn_vote(x, labels, q, 5, False))
    options = [("A", "A"), ("A", "B"), ("B", "A"), ("B", "B")]
    return options.index(got)


def knn_distance_weighted_vote() -> int:
    x = np.array([[1, 0.5], [0.5, -1], [2.5, 0], [0, 2.5], [-2, -1.5], [3, 3]], dtype=float)
    labels = np.array(list("AABBBA"))
    q = np.zeros(2)
    got = (_knn_vote(x, labels, q, 5, False), _knn_vote(x, labels, q, 5, True))
    options = [("A", "A"), ("B", "B"), ("A", "B"), ("B", "A")]  # (unweighted, weighted)
    return options.index(got)


def knn_feature_scaling() -> int:
    q = np.array([30.0, 50.0])
    p = np.array([[32, 80], [55, 55], [40, 20]], dtype=float)
    sd = np.array([5.0, 30.0])
    raw = int(np.argmin(np.linalg.norm(p - q, axis=1))) + 1
    scaled = int(np.argmin(np.linalg.norm((p - q) / sd, axis=1))) + 1
    options = [(1, 1), (2, 2), (2, 1), (3, 1), (1, 3)]  # (raw, scaled) as P-numbers
    return options.index((raw, scaled))


def knn_hypercube_edge() -> float:
    d, fraction = 10, 0.01
    return float(fraction ** (1 / d))


# ---------------------------------------------------------------- naive Bayes


def nb_posterior_from_counts() -> float:
    n = {"spam": 10, "ham": 20}
    link = {"spam": 6, "ham": 2}
    known = {"spam": 2, "ham": 14}
    total = sum(n.values())
    score = {c: n[c] / total * (link[c] / n[c]) * (1 - known[c] / n[c]) for c in n}
    return score["spam"] / sum(score.values())


def nb_laplace_multinomial() -> float:
    counts = {"S": np.array([6, 5, 0, 1, 8]), "P": np.array([0, 2, 9, 7, 2])}
    docs = {"S": 3, "P": 2}
    vocab = ["goal", "match", "vote", "party", "team"]
    doc = "match vote team team".split()
    tf = np.array([doc.count(w) for w in vocab])
    log_scores = []
    for c in ("S", "P"):
        theta = (counts[c] + 1) / (counts[c].sum() + len(vocab))
        log_scores.append(np.log(docs[c] / sum(docs.values())) + tf @ np.log(theta))
    return float(np.exp(log_scores[0] - logsumexp(log_scores)))


def nb_gaussian_posterior() -> float:
    x = np.array([1.5, 6.0])
    l1 = np.log(0.4) + norm.logpdf(x, loc=[2, 5], scale=[1, 2]).sum()
    l0 = np.log(0.6) + norm.logpdf(x, loc=[0, 4], scale=[1.5, 1]).sum()
    return float(np.exp(l1 - logsumexp([l1, l0])))


def nb_log_space() -> float:
    la = np.log(0.2) + -1204.6
    lb = np.log(0.8) + -1207.9
    return float(np.exp(la - logsumexp([la, lb])))


def nb_duplicated_feature() -> float:
    prior = np.array([0.5, 0.5])  # spam, ham
    p1 = np.array([0.4, 0.05])  # P(x1 = 1 | class)
    p2 = np.array([0.3, 0.2])  # P(x2 = 1 | class)
    # Buggy model: x1 appears twice, x1 = 1 and x2 = 0.
    score = prior * p1 * p1 * (1 - p2)
    return float(score[0] / score.sum())


ANSWERS: dict[str, Callable[[], object]] = {
    "skb-svm-point-hyperplane-distance": svm_point_hyperplane_distance,
    "skb-svm-rbf-kernel-value": svm_rbf_kernel_value,
    "skb-svm-soft-margin-objective": svm_soft_margin_objective,
    "skb-svm-which-support-vectors": svm_which_support_vectors,
    "skb-svm-kernel-expansion-xor": svm_kernel_expansion_xor,
    "skb-svm-psd-gram-matrix": svm_psd_gram_matrix,
    "skb-knn-majority-vote": knn_majority_vote,
    "skb-knn-distance-weighted-vote": knn_distance_weighted_vote,
    "skb-knn-feature-scaling": knn_feature_scaling,
    "skb-knn-hypercube-edge": knn_hypercube_edge,
    "skb-nb-posterior-from-counts": nb_posterior_from_counts,
    "skb-nb-laplace-multinomial": nb_laplace_multinomial,
    "skb-nb-gaussian-posterior": nb_gaussian_posterior,
    "skb-nb-log-space": nb_log_space,
    "skb-nb-duplicated-feature": nb_duplicated_feature,
}
