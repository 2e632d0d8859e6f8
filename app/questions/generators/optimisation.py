"""Optimisation: gradient steps, step-size bounds, momentum, Adam, Newton."""

from __future__ import annotations

import math

from app.questions.generators.base import Area, Built, Draw, Param, Part, fmt, mat, vec, within

generator = Area("optimisation")


def _spd(d: Draw, lo: float, hi: float, off: float | None = None) -> tuple[float, float, float]:
    """A symmetric positive-definite 2×2 matrix [[a, c], [c, e]] with integer entries, diagonal in
    [lo, hi], |c| at most `off` (at most min(a, e) when None), well away from singular (determinant
    at least 1)."""
    while True:
        a, e = d.grid(lo, hi, 1), d.grid(lo, hi, 1)
        bound = min(a, e) if off is None else off
        c = d.grid(-bound, bound, 1)
        if a * e - c * c >= 1:
            return a, c, e


@generator(
    Param("lr", "learning rate η", 0.05, 0.3, 0.01, 1.0, step=0.01),
    Param("curvature", "largest diagonal entry of A", 1, 5, 1, 9, integer=True),
)
def gd_quadratic_step(d: Draw) -> Built:
    """One gradient-descent step on a quadratic

    f(w) = ½wᵀAw − bᵀw in two dimensions; the candidate takes one step from w₀.
    """
    lr = d.param("lr")
    a, c, e = _spd(d, 1, d.param("curvature"))
    b = [d.grid(-4, 4, 1), d.grid(-4, 4, 1)]
    w0 = [d.nonzero(-3, 3, 1), d.grid(-3, 3, 1)]
    g = [a * w0[0] + c * w0[1] - b[0], c * w0[0] + e * w0[1] - b[1]]
    w1 = [w0[0] - lr * g[0], w0[1] - lr * g[1]]
    A = [[a, c], [c, e]]
    return Built(
        numbers={"A": A, "b": b, "w0": w0, "lr": lr},
        parts=within(
            0.005, ("w1_1", "first coordinate of w₁", w1[0]), ("w1_2", "second coordinate of w₁", w1[1])
        ),
        prompt=(
            "Consider the quadratic objective\n\n"
            rf"$$f(w) = \tfrac12 w^\top A w - b^\top w,\qquad A = {mat(A)},\quad b = {vec(b)}.$$"
            "\n\n"
            rf"Starting from $w_0 = {vec(w0)}$, take **one** step of plain gradient descent with learning rate "
            rf"$\eta = {fmt(lr)}$. What are the two coordinates of $w_1$? Give each to three decimals."
        ),
        solution=(
            rf"The gradient of $f$ is $\nabla f(w) = Aw - b$ (this uses that $A$ is symmetric). At $w_0$:"
            "\n\n"
            rf"$$\nabla f(w_0) = {mat(A)}{vec(w0)} - {vec(b)} = {vec(g)}.$$"
            "\n\n"
            rf"The step is $w_1 = w_0 - \eta\,\nabla f(w_0) = {vec(w0)} - {fmt(lr)}\cdot{vec(g)} = {vec(w1, 4)}$."
        ),
    )


@generator(
    Param("diag", "upper bound of the diagonal entries", 2, 8, 1, 20, integer=True),
    Param("offdiag", "upper bound of |off-diagonal entry|", 0, 3, 0, 10, integer=True),
)
def gd_step_bound(d: Draw) -> Built:
    """The largest stable step size from a Hessian

    A 2×2 Hessian; the candidate finds its largest eigenvalue L and the bound 2/L.
    """
    a, c, e = _spd(d, 1, d.param("diag"), d.param("offdiag"))
    mean, rad = (a + e) / 2, math.hypot((a - e) / 2, c)
    L = mean + rad
    H = [[a, c], [c, e]]
    return Built(
        numbers={"H": H},
        parts=(
            Part("L", "L (largest eigenvalue)", L, 0.005, decimals=4),
            Part("eta_max", "largest stable step 2/L", 2 / L, 0.005, mode="relative", decimals=4),
        ),
        prompt=(
            "Gradient descent with a fixed step $\\eta$ is applied to a quadratic loss whose Hessian is\n\n"
            rf"$$H = {mat(H)}.$$"
            "\n\n"
            "What is the smoothness constant $L$ (the largest eigenvalue of $H$), and what is the largest "
            "step size $\\eta_{\\max}$ below which the iterates converge from every starting point? "
            "Give both to three decimals."
        ),
        solution=(
            "For a symmetric $2\\times2$ matrix the eigenvalues are "
            rf"$\lambda = \frac{{a+e}}{{2}} \pm \sqrt{{\left(\frac{{a-e}}{{2}}\right)^2 + c^2}}$, so "
            rf"$\lambda_{{\max}} = {fmt(mean)} + {fmt(rad, 4)} = {fmt(L, 4)}$."
            "\n\n"
            "Along each eigenvector the error is multiplied by $1 - \\eta\\lambda$ per step; every factor has "
            "modulus below 1 exactly when $0 < \\eta < 2/\\lambda_{\\max}$. Hence "
            rf"$\eta_{{\max}} = 2/L = {fmt(2 / L, 4)}$."
        ),
    )


@generator(
    Param("beta", "momentum β", 0.5, 0.9, 0.0, 0.99, step=0.05),
    Param("lr", "learning rate η", 0.05, 0.3, 0.01, 0.5, step=0.05),
)
def momentum_steps(d: Draw) -> Built:
    """Two heavy-ball momentum steps

    f(x) = a/2 (x − c)²; two steps of momentum from rest.
    """
    beta, lr = d.param("beta"), d.param("lr")
    a, c = d.grid(1, 4, 1), d.grid(-3, 3, 1)
    x0 = c + d.nonzero(-4, 4, 1)
    g0 = a * (x0 - c)
    v1 = g0
    x1 = x0 - lr * v1
    g1 = a * (x1 - c)
    v2 = beta * v1 + g1
    x2 = x1 - lr * v2
    return Built(
        numbers={"a": a, "c": c, "x0": x0, "beta": beta, "lr": lr},
        parts=(Part("x2", "x₂", x2, 0.005, decimals=4),),
        prompt=(
            rf"Minimise $f(x) = \frac{{{fmt(a)}}}{{2}}\,(x - ({fmt(c)}))^2$ with heavy-ball momentum:"
            "\n\n"
            r"$$v_{t+1} = \beta v_t + f'(x_t),\qquad x_{t+1} = x_t - \eta\, v_{t+1},$$"
            "\n\n"
            rf"with $\beta = {fmt(beta)}$, $\eta = {fmt(lr)}$, $x_0 = {fmt(x0)}$ and $v_0 = 0$. "
            "What is $x_2$? Give it to three decimals."
        ),
        solution=(
            rf"Here $f'(x) = {fmt(a)}\,(x - ({fmt(c)}))$."
            "\n\n"
            rf"- Step 1: $f'(x_0) = {fmt(g0, 4)}$, $v_1 = {fmt(v1, 4)}$, "
            rf"$x_1 = {fmt(x0)} - {fmt(lr)}\cdot{fmt(v1, 4)} = {fmt(x1, 4)}$."
            "\n"
            rf"- Step 2: $f'(x_1) = {fmt(g1, 4)}$, $v_2 = {fmt(beta)}\cdot{fmt(v1, 4)} + {fmt(g1, 4)} = {fmt(v2, 4)}$, "
            rf"$x_2 = {fmt(x1, 4)} - {fmt(lr)}\cdot{fmt(v2, 4)} = {fmt(x2, 4)}$."
            "\n\n"
            "The velocity remembers the first gradient, so the second step is longer than plain gradient "
            "descent's would be."
        ),
    )


@generator(
    Param("t", "step number t", 2, 5, 2, 20, integer=True),
    Param("lr", "learning rate η", 0.01, 0.05, 0.001, 0.5, step=0.001),
)
def adam_step(d: Draw) -> Built:
    """One Adam update with bias correction

    Given the moment estimates after step t−1 and the new gradient, the candidate computes step t.
    """
    t, lr = d.int_param("t"), d.param("lr")
    b1, b2 = 0.9, 0.999
    while True:
        m_prev, v_prev = d.grid(-1, 1, 0.1), d.grid(0.01, 1, 0.01)
        g = d.nonzero(-2, 2, 0.1)
        m = b1 * m_prev + (1 - b1) * g
        v = b2 * v_prev + (1 - b2) * g * g
        if abs(m) >= 0.05:
            break
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    delta = -lr * m_hat / (math.sqrt(v_hat) + 1e-8)
    return Built(
        numbers={"t": t, "lr": lr, "m_prev": m_prev, "v_prev": v_prev, "g": g},
        parts=(
            Part("m_hat", "bias-corrected first moment", m_hat, 0.005, mode="relative", decimals=5),
            Part("delta", "parameter change Δθ", delta, 0.005, mode="relative", decimals=6),
        ),
        prompt=(
            "Adam (with $\\beta_1 = 0.9$, $\\beta_2 = 0.999$, $\\epsilon = 10^{-8}$) is training one scalar "
            rf"parameter. After step $t-1 = {t - 1}$ its moment estimates are $m_{{{t - 1}}} = {fmt(m_prev)}$ and "
            rf"$v_{{{t - 1}}} = {fmt(v_prev)}$. At step $t = {t}$ the gradient is $g_{{{t}}} = {fmt(g)}$ and the "
            rf"learning rate is $\eta = {fmt(lr)}$."
            "\n\n"
            rf"Compute the bias-corrected first moment $\hat m_{{{t}}}$ and the parameter change "
            rf"$\Delta\theta = \theta_{{{t}}} - \theta_{{{t - 1}}}$ (to four significant figures)."
        ),
        solution=(
            rf"$$m_{{{t}}} = 0.9\cdot{fmt(m_prev)} + 0.1\cdot{fmt(g)} = {fmt(m, 5)},\qquad "
            rf"v_{{{t}}} = 0.999\cdot{fmt(v_prev)} + 0.001\cdot{fmt(g)}^2 = {fmt(v, 6)}.$$"
            "\n\n"
            rf"Bias correction divides by $1-\beta^t$: $\hat m_{{{t}}} = {fmt(m, 5)}/(1-0.9^{{{t}}}) = {fmt(m_hat, 5)}$ "
            rf"and $\hat v_{{{t}}} = {fmt(v, 6)}/(1-0.999^{{{t}}}) = {fmt(v_hat, 5)}$."
            "\n\n"
            rf"$$\Delta\theta = -\eta\,\frac{{\hat m_{{{t}}}}}{{\sqrt{{\hat v_{{{t}}}}} + \epsilon}} = "
            rf"-{fmt(lr)}\cdot\frac{{{fmt(m_hat, 5)}}}{{{fmt(math.sqrt(v_hat), 5)}}} = {fmt(delta, 6)}.$$"
            "\n\n"
            "Without the correction the early moments would be biased towards zero, because they start at 0."
        ),
    )


@generator(
    Param("a", "rate a", 0.5, 2, 0.5, 3, step=0.5),
    Param("b", "slope b", 1, 5, 1, 10, integer=True),
)
def newton_step(d: Draw) -> Built:
    """One Newton step on a convex function of one variable

    f(x) = e^{ax} − bx; one Newton step and the exact minimiser.
    """
    a, b = d.param("a"), d.param("b")
    x0 = d.grid(-1, 1, 0.5)
    ex = math.exp(a * x0)
    g, h = a * ex - b, a * a * ex
    x1 = x0 - g / h
    xstar = math.log(b / a) / a
    return Built(
        numbers={"a": a, "b": b, "x0": x0},
        parts=within(0.005, ("x1", "x₁ after one Newton step", x1), ("xstar", "minimiser x*", xstar)),
        prompt=(
            rf"Let $f(x) = e^{{{fmt(a)}x}} - {fmt(b)}x$. Starting from $x_0 = {fmt(x0)}$, take one Newton step "
            r"$x_1 = x_0 - f'(x_0)/f''(x_0)$. Give $x_1$ and the exact minimiser $x^\star$ of $f$, each to three decimals."
        ),
        solution=(
            rf"$f'(x) = {fmt(a)}e^{{{fmt(a)}x}} - {fmt(b)}$ and $f''(x) = {fmt(a * a)}e^{{{fmt(a)}x}} > 0$, so $f$ is "
            rf"strictly convex. At $x_0$: $e^{{{fmt(a * x0)}}} = {fmt(ex, 5)}$, $f'(x_0) = {fmt(g, 5)}$, "
            rf"$f''(x_0) = {fmt(h, 5)}$, hence $x_1 = {fmt(x0)} - ({fmt(g, 5)})/{fmt(h, 5)} = {fmt(x1, 4)}$."
            "\n\n"
            rf"Setting $f'(x) = 0$ gives $e^{{{fmt(a)}x}} = {fmt(b)}/{fmt(a)}$, i.e. "
            rf"$x^\star = \ln({fmt(b / a, 4)})/{fmt(a)} = {fmt(xstar, 4)}$. Newton's step uses the local curvature, "
            "so it lands much closer to the minimiser than a gradient step of comparable cost."
        ),
    )
