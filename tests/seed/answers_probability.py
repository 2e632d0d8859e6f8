"""Recomputations of the objective answers in seed/questions/probability.yaml.

Each entry recomputes the answer from the numbers stated in the prompt. Choice questions
evaluate each option's claim and return the index (or set of indices) that holds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import integrate, optimize, stats


def _poisson_mle_zero_count() -> float:
    counts = np.array([3, 1, 4, 2, 0, 5, 2, 3, 1, 4])
    # Maximise the Poisson log-likelihood numerically rather than quoting the closed form.
    res = optimize.minimize_scalar(
        lambda lam: -stats.poisson.logpmf(counts, lam).sum(), bounds=(1e-6, 20), method="bounded"
    )
    lam_hat = res.x
    assert np.isclose(lam_hat, counts.mean(), atol=1e-4)
    return float(stats.poisson.pmf(0, counts.mean()))


def _beta_map_coin() -> float:
    a, b, n, k = 2.0, 2.0, 10, 9
    posterior = stats.beta(a + k, b + n - k)
    res = optimize.minimize_scalar(lambda t: -posterior.logpdf(t), bounds=(1e-9, 1 - 1e-9), method="bounded")
    closed_form = (k + a - 1) / (n + a + b - 2)
    assert np.isclose(res.x, closed_form, atol=1e-4)
    return closed_form


def _bayes_base_rate() -> float:
    sensitivity, specificity, prevalence = 0.95, 0.90, 0.02
    true_pos = sensitivity * prevalence
    false_pos = (1 - specificity) * (1 - prevalence)
    return true_pos / (true_pos + false_pos)


def _mixture_total_variance() -> float:
    weights = np.array([0.3, 0.7])
    means = np.array([2.0, -1.0])
    variances = np.array([1.0, 4.0])
    mean = (weights * means).sum()
    total = (weights * variances).sum() + (weights * (means - mean) ** 2).sum()

    # Cross-check by integrating the mixture density.
    def density(x: float) -> float:
        return float((weights * stats.norm.pdf(x, means, np.sqrt(variances))).sum())

    m1 = integrate.quad(lambda x: x * density(x), -np.inf, np.inf)[0]
    m2 = integrate.quad(lambda x: x * x * density(x), -np.inf, np.inf)[0]
    assert np.isclose(m2 - m1**2, total, atol=1e-6)
    return float(total)


def _ztest_power() -> float:
    n, sigma, alpha, mu1 = 25, 1.0, 0.05, 0.5
    crit = stats.norm.ppf(1 - alpha)
    se = sigma / np.sqrt(n)
    return float(stats.norm.sf(crit * se, loc=mu1, scale=se))


def _bh_reject(p: np.ndarray, q: float) -> np.ndarray:
    m = p.shape[-1]
    sorted_p = np.sort(p, axis=-1)
    passes = sorted_p <= q * np.arange(1, m + 1) / m
    k = np.where(passes.any(axis=-1), m - np.argmax(passes[..., ::-1], axis=-1), 0)
    cutoff = np.take_along_axis(sorted_p, np.maximum(k - 1, 0)[..., None], axis=-1)[..., 0]
    return (p <= cutoff[..., None]) & (k[..., None] > 0)


def _bh_family_wise_error(m: int, q: float) -> float:
    """Simulated P(at least one false rejection) of BH with half the nulls false (strong effects)."""
    rng = np.random.default_rng(1)
    trials = 100_000
    null_p = rng.uniform(size=(trials, m // 2))
    alt_p = stats.norm.sf(rng.standard_normal((trials, m - m // 2)) + 5.0)
    rejected = _bh_reject(np.concatenate([null_p, alt_p], axis=1), q)
    return float(rejected[:, : m // 2].any(axis=1).mean())


def _benjamini_hochberg() -> set[int]:
    p = np.array([0.210, 0.012, 0.037, 0.001, 0.640, 0.021, 0.033, 0.008])  # S1..S8
    m, q = len(p), 0.05
    order = np.argsort(p)
    sorted_p = p[order]
    passes = sorted_p <= q * np.arange(1, m + 1) / m
    k = int(np.max(np.nonzero(passes)[0]) + 1) if passes.any() else 0
    bh_rejected = set(order[:k].tolist())
    bonferroni = int((p <= q / m).sum())
    holm = 0
    for i, pv in enumerate(sorted_p):
        if pv <= q / (m - i):
            holm += 1
        else:
            break
    s7 = 6  # index of S7
    claims = [
        len(bh_rejected) == 6,
        s7 not in bh_rejected,
        bonferroni == 1,
        abs((1 - (1 - q) ** m) - 0.34) < 0.005,
        _bh_family_wise_error(m, q) <= q,
        holm == 2,
    ]
    return {i for i, ok in enumerate(claims) if ok}


def _ci_sample_size() -> float:
    sigma, half_width, z = 4.0, 0.5, 1.96
    n = int(np.ceil((z * sigma / half_width) ** 2))
    assert z * sigma / np.sqrt(n) <= half_width < z * sigma / np.sqrt(n - 1)
    return float(n)


def _clt_exponential_mean() -> float:
    mean, n, threshold = 2.0, 100, 2.3
    sd = mean  # an exponential's standard deviation equals its mean
    return float(stats.norm.sf(threshold, loc=mean, scale=sd / np.sqrt(n)))


def _exponential_memoryless() -> float:
    mean, survived, extra = 200.0, 150.0, 100.0
    life = stats.expon(scale=mean)
    return float(life.sf(survived + extra) / life.sf(survived))


def _linear_combination_gaussians() -> int:
    mx, vx, my, vy = 1.0, 4.0, -2.0, 9.0
    a, b, c, threshold = 2.0, -1.0, 3.0, 10.0
    # Monte Carlo check of the closed form.
    rng = np.random.default_rng(0)
    z = a * rng.normal(mx, np.sqrt(vx), 400_000) + b * rng.normal(my, np.sqrt(vy), 400_000) + c
    exact = stats.norm.sf(threshold, a * mx + b * my + c, np.sqrt(a**2 * vx + b**2 * vy))
    assert abs((z > threshold).mean() - exact) < 0.005
    options = [0.274, 0.128, 0.233, 0.081]
    return int(np.argmin([abs(o - exact) for o in options]))


def _binomial_normal_approx() -> float:
    n, p, k = 400, 0.9, 352
    mu, sd = n * p, np.sqrt(n * p * (1 - p))
    approx = stats.norm.cdf(k + 0.5, mu, sd)
    assert abs(approx - stats.binom.cdf(k, n, p)) < 0.01
    return float(approx)


def _hoeffding_sample_size() -> int:
    eps, delta = 0.05, 0.05

    def hoeffding(n: int) -> float:
        return 2 * np.exp(-2 * n * eps**2)

    n = 1
    while hoeffding(n) > delta:
        n += 1
    options = [385, 738, 599, 2000]
    return options.index(n)


def _uniform_max_unbiased() -> float:
    x = np.array([2.1, 0.7, 3.4, 1.9, 2.9])
    n = len(x)
    # E[max] for Uniform(0, theta) by integrating the density of the maximum with theta = 1.
    e_max = integrate.quad(lambda m: m * n * m ** (n - 1), 0.0, 1.0)[0]
    return float(x.max() / e_max)


def _ab_two_proportion_ztest() -> float:
    clicks = np.array([120, 150])
    users = np.array([1000, 1000])
    rates = clicks / users
    pooled = clicks.sum() / users.sum()
    se = np.sqrt(pooled * (1 - pooled) * (1 / users).sum())
    z = (rates[1] - rates[0]) / se
    return float(2 * stats.norm.sf(abs(z)))


ANSWERS: dict[str, Callable[[], object]] = {
    "prob-poisson-mle-zero-count": _poisson_mle_zero_count,
    "prob-beta-map-coin": _beta_map_coin,
    "prob-bayes-base-rate": _bayes_base_rate,
    "prob-mixture-total-variance": _mixture_total_variance,
    "prob-ztest-power": _ztest_power,
    "prob-benjamini-hochberg": _benjamini_hochberg,
    "prob-ci-sample-size": _ci_sample_size,
    "prob-clt-exponential-mean": _clt_exponential_mean,
    "prob-exponential-memoryless-survival": _exponential_memoryless,
    "prob-linear-combination-gaussians": _linear_combination_gaussians,
    "prob-binomial-normal-approx-accuracy": _binomial_normal_approx,
    "prob-hoeffding-vs-chebyshev-sample-size": _hoeffding_sample_size,
    "prob-uniform-max-unbiased": _uniform_max_unbiased,
    "prob-ab-two-proportion-ztest": _ab_two_proportion_ztest,
}
