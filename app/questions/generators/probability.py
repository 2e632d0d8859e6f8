"""Probability and statistics: Beta–Bernoulli estimates, a CLT interval, Bayes' rule for a test."""

from __future__ import annotations

import math
from statistics import NormalDist

from app.questions.generators.base import Area, Built, Draw, Param, Part, fmt, within

generator = Area("probability")


@generator(
    Param("n", "number of trials n", 10, 40, 5, 500, integer=True),
    Param("prior", "largest prior parameter", 2, 6, 2, 50, integer=True),
)
def beta_bernoulli(d: Draw) -> Built:
    """MLE, MAP and posterior mean of a Bernoulli with a Beta prior

    k successes in n trials and a Beta(α, β) prior.
    """
    n = d.int_param("n")
    k = d.grid(1, n - 1, 1)
    top = d.param("prior")
    a, b = d.grid(2, top, 1), d.grid(2, top, 1)
    mle = k / n
    map_ = (k + a - 1) / (n + a + b - 2)
    mean = (k + a) / (n + a + b)
    return Built(
        numbers={"n": n, "k": k, "alpha": a, "beta": b},
        parts=within(
            0.002, ("mle", "MLE", mle), ("map", "MAP estimate", map_), ("mean", "posterior mean", mean)
        ),
        prompt=(
            rf"A coin with unknown heads probability $\theta$ shows {fmt(k)} heads in {n} independent tosses. "
            rf"Before tossing you held the prior $\theta\sim\mathrm{{Beta}}({fmt(a)}, {fmt(b)})$."
            "\n\n"
            r"Give the maximum-likelihood estimate $\hat\theta_{\text{MLE}}$, the MAP estimate "
            r"$\hat\theta_{\text{MAP}}$ and the posterior mean, each to three decimals."
        ),
        solution=(
            rf"The likelihood $\theta^{{k}}(1-\theta)^{{n-k}}$ peaks at $k/n = {fmt(k)}/{n} = {fmt(mle, 4)}$."
            "\n\n"
            rf"The Beta prior is conjugate: the posterior is $\mathrm{{Beta}}(\alpha+k, \beta+n-k) = "
            rf"\mathrm{{Beta}}({fmt(a + k)}, {fmt(b + n - k)})$. Its mode is"
            "\n\n"
            rf"$$\hat\theta_{{\text{{MAP}}}} = \frac{{k+\alpha-1}}{{n+\alpha+\beta-2}} = \frac{{{fmt(k + a - 1)}}}{{{fmt(n + a + b - 2)}}} = {fmt(map_, 4)},$$"
            "\n\n"
            rf"and its mean is $\frac{{k+\alpha}}{{n+\alpha+\beta}} = {fmt(mean, 4)}$. The prior acts like "
            rf"{fmt(a - 1)} extra heads and {fmt(b - 1)} extra tails for the mode; its pull fades as $n$ grows."
        ),
    )


@generator(
    Param("n", "sample size n", 40, 400, 30, 5000, integer=True),
    Param("sd", "sample standard deviation", 1, 10, 0.5, 100, step=0.5),
)
def clt_interval(d: Draw) -> Built:
    """A normal-approximation confidence interval for a mean

    Sample size, mean and standard deviation; the CLT interval at a given level.
    """
    n, sd = d.int_param("n"), d.param("sd")
    mean = d.grid(5, 50, 0.1)
    level = (0.90, 0.95, 0.99)[int(d.grid(0, 2, 1))]
    z = NormalDist().inv_cdf(0.5 + level / 2)
    se = sd / math.sqrt(n)
    lo, hi = mean - z * se, mean + z * se
    # a candidate using z to two decimals must pass
    tol = 0.005 + 0.006 * se
    return Built(
        numbers={"n": n, "mean": mean, "sd": sd, "level": level},
        parts=within(tol, ("lower", "lower end", lo), ("upper", "upper end", hi), decimals=3),
        prompt=(
            rf"A sample of $n = {n}$ measurements has mean $\bar x = {fmt(mean, 1)}$ and standard deviation "
            rf"$s = {fmt(sd)}$. Using the central limit theorem (normal approximation), give the two-sided "
            rf"{fmt(level * 100)} % confidence interval for the population mean, ends to three decimals."
        ),
        solution=(
            rf"The standard error is $s/\sqrt n = {fmt(sd)}/\sqrt{{{n}}} = {fmt(se, 4)}$, and the normal quantile "
            rf"for {fmt(level * 100)} % two-sided coverage is $z = {fmt(z, 3)}$."
            "\n\n"
            rf"$$\bar x \pm z\,\frac{{s}}{{\sqrt n}} = {fmt(mean, 1)} \pm {fmt(z * se, 4)} = "
            rf"[{fmt(lo, 3)},\ {fmt(hi, 3)}].$$"
            "\n\n"
            "The interval narrows like $1/\\sqrt n$: four times the data halves its width."
        ),
    )


@generator(Param("prevalence", "prevalence", 0.005, 0.05, 0.001, 0.5, step=0.001))
def bayes_test(d: Draw) -> Built:
    """Bayes' rule for a screening test

    Prevalence, sensitivity and specificity; the probability of the condition after a positive test.
    """
    p = d.param("prevalence")
    sens = d.grid(0.8, 0.99, 0.01)
    spec = d.grid(0.9, 0.99, 0.01)
    joint_pos = sens * p
    false_pos = (1 - spec) * (1 - p)
    post = joint_pos / (joint_pos + false_pos)
    return Built(
        numbers={"prevalence": p, "sensitivity": sens, "specificity": spec},
        parts=(Part("posterior", "P(condition | positive)", post, 0.01, mode="relative", decimals=4),),
        prompt=(
            rf"A condition affects {fmt(p * 100, 2)} % of a population. A test detects it with sensitivity "
            rf"{fmt(sens)} and has specificity {fmt(spec)}. A randomly chosen person tests positive. "
            "What is the probability that they have the condition? Give three significant figures."
        ),
        solution=(
            "By Bayes' rule, with $D$ the condition and $+$ a positive test,\n\n"
            rf"$$P(D\mid +) = \frac{{P(+\mid D)P(D)}}{{P(+\mid D)P(D) + P(+\mid \neg D)P(\neg D)}} = "
            rf"\frac{{{fmt(sens)}\cdot{fmt(p)}}}{{{fmt(sens)}\cdot{fmt(p)} + {fmt(1 - spec)}\cdot{fmt(1 - p)}}} = {fmt(post, 4)}.$$"
            "\n\n"
            "When the condition is rare, false positives from the large healthy group dominate."
        ),
    )
