"""Maths for ML: the chain rule through a sigmoid, eigenvalues of a covariance matrix (PCA)."""

from __future__ import annotations

import math

from app.questions.generators.base import Area, Built, Draw, Param, Part, fmt, mat

generator = Area("maths")


@generator(Param("weight", "largest |w|", 1, 2, 0.5, 4, step=0.5))
def chain_rule_sigmoid(d: Draw) -> Built:
    """The chain rule through a sigmoid unit

    L = ½(σ(wx + b) − y)²; the derivative with respect to w at a point.
    """
    wmax = d.param("weight")
    while True:
        w, b = d.grid(-wmax, wmax, 0.5), d.grid(-1, 1, 0.5)
        x, y = d.nonzero(-2, 2, 0.5), d.grid(0, 1, 1)
        z = w * x + b
        s = 1 / (1 + math.exp(-z))
        grad = (s - y) * s * (1 - s) * x
        if abs(grad) >= 0.01:
            break
    return Built(
        numbers={"w": w, "b": b, "x": x, "y": y},
        parts=(Part("grad", "∂L/∂w", grad, 0.01, mode="relative", decimals=5),),
        prompt=(
            rf"A single sigmoid unit computes $a = \sigma(z)$ with $z = wx + b$ and is trained with "
            rf"$L = \tfrac12(a - y)^2$. For $w = {fmt(w)}$, $b = {fmt(b)}$, $x = {fmt(x)}$ and $y = {fmt(y)}$, "
            r"compute $\partial L/\partial w$ to four decimals."
        ),
        solution=(
            r"By the chain rule $\frac{\partial L}{\partial w} = \frac{\partial L}{\partial a}\cdot"
            r"\frac{\partial a}{\partial z}\cdot\frac{\partial z}{\partial w} = (a - y)\,\sigma(z)(1-\sigma(z))\,x$."
            "\n\n"
            rf"Here $z = {fmt(z)}$, $a = {fmt(s, 5)}$, $\sigma'(z) = {fmt(s * (1 - s), 5)}$, so "
            rf"$\partial L/\partial w = ({fmt(s - y, 5)})\cdot{fmt(s * (1 - s), 5)}\cdot{fmt(x)} = {fmt(grad, 5)}$."
            "\n\n"
            r"The factor $\sigma'(z) \le 1/4$ is why squared error on a sigmoid learns slowly when the unit saturates."
        ),
    )


@generator(Param("var", "largest variance on the diagonal", 3, 9, 1, 30, integer=True))
def pca_variance(d: Draw) -> Built:
    """Variance explained by the first principal component

    A 2×2 covariance matrix; its top eigenvalue and the share of variance it explains.
    """
    top = d.param("var")
    while True:
        a, e = d.grid(1, top, 1), d.grid(1, top, 1)
        c = d.grid(-3, 3, 0.5)
        if a * e - c * c > 0.5:
            break
    mean, rad = (a + e) / 2, math.hypot((a - e) / 2, c)
    lam1, lam2 = mean + rad, mean - rad
    share = lam1 / (a + e)
    S = [[a, c], [c, e]]
    return Built(
        numbers={"Sigma": S},
        parts=(
            Part("lambda1", "variance along the first component", lam1, 0.005, decimals=4),
            Part("share", "fraction explained", share, 0.003, decimals=4),
        ),
        prompt=(
            rf"Centred two-dimensional data have covariance matrix $\Sigma = {mat(S)}$. What is the variance along "
            "the first principal component, and what fraction of the total variance does that component "
            "explain? Give three decimals."
        ),
        solution=(
            r"The principal components are the eigenvectors of $\Sigma$; the variance along each is its eigenvalue. "
            r"For a symmetric $2\times2$ matrix, $\lambda = \frac{a+e}{2} \pm \sqrt{\left(\frac{a-e}{2}\right)^2 + c^2}$, so "
            rf"$\lambda_1 = {fmt(lam1, 4)}$ and $\lambda_2 = {fmt(lam2, 4)}$."
            "\n\n"
            rf"The total variance is the trace, ${fmt(a + e)}$, hence the first component explains "
            rf"${fmt(lam1, 4)}/{fmt(a + e)} = {fmt(share, 4)}$ of it."
        ),
    )
