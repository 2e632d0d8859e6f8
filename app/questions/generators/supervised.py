"""Supervised learning: logistic-regression gradient, ridge vs OLS, split gain, k-NN, naive Bayes."""

from __future__ import annotations

import math

from app.questions.generators.base import Area, Built, Draw, Param, Part, fmt, mat, ordinal, vec, within

generator = Area("supervised")


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@generator(
    Param("n", "number of points", 3, 4, 2, 6, integer=True),
    Param("weight", "largest |w|", 1, 2, 0.5, 3, step=0.5),
)
def logreg_gradient(d: Draw) -> Built:
    """The logistic-regression gradient on a tiny data set

    A handful of labelled points, current w and b; the gradient of the mean log-loss.
    """
    n, wmax = d.int_param("n"), d.param("weight")
    while True:
        xs = [d.grid(-3, 3, 0.5) for _ in range(n)]
        ys = [d.grid(0, 1, 1) for _ in range(n)]
        if not (0 < sum(ys) < n and len(set(xs)) == n):
            continue
        w, b = d.grid(-wmax, wmax, 0.5), d.grid(-1, 1, 0.5)
        ps = [_sigmoid(w * x + b) for x in xs]
        rs = [p - y for p, y in zip(ps, ys, strict=True)]
        gw = sum(r * x for r, x in zip(rs, xs, strict=True)) / n
        gb = sum(rs) / n
        # both components clearly away from zero, so the tolerance cannot accept a guess of 0
        if min(abs(gw), abs(gb)) >= 0.02:
            break
    table = "| $i$ | $x_i$ | $y_i$ |\n|---|---|---|\n" + "".join(
        f"| {i + 1} | {fmt(x)} | {fmt(y)} |\n" for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    )
    rows = "".join(
        f"| {i + 1} | {fmt(w * x + b)} | {fmt(p, 4)} | {fmt(r, 4)} |\n"
        for i, (x, p, r) in enumerate(zip(xs, ps, rs, strict=True))
    )
    return Built(
        numbers={"x": xs, "y": ys, "w": w, "b": b},
        parts=within(0.003, ("dw", "∂L/∂w", gw), ("db", "∂L/∂b", gb)),
        prompt=(
            r"A logistic-regression model $p(y=1\mid x) = \sigma(wx + b)$ with $\sigma(z) = 1/(1+e^{-z})$ "
            rf"currently has $w = {fmt(w)}$ and $b = {fmt(b)}$. The training data are:"
            "\n\n" + table + "\n"
            r"The loss is the mean cross-entropy $L = -\frac1n\sum_i \left[y_i\ln p_i + (1-y_i)\ln(1-p_i)\right]$. "
            r"Compute $\partial L/\partial w$ and $\partial L/\partial b$ to three decimals."
        ),
        solution=(
            r"For the cross-entropy of a sigmoid the derivative with respect to the logit is simply "
            r"$p_i - y_i$, so $\frac{\partial L}{\partial w} = \frac1n\sum_i (p_i - y_i)\,x_i$ and "
            r"$\frac{\partial L}{\partial b} = \frac1n\sum_i (p_i - y_i)$."
            "\n\n| $i$ | $z_i = wx_i+b$ | $p_i$ | $p_i - y_i$ |\n|---|---|---|---|\n" + rows + "\n"
            rf"Hence $\partial L/\partial w = {fmt(gw, 4)}$ and $\partial L/\partial b = {fmt(gb, 4)}$."
        ),
    )


def _solve2(m: list[list[float]], r: list[float]) -> list[float]:
    det = m[0][0] * m[1][1] - m[0][1] * m[1][0]
    return [(m[1][1] * r[0] - m[0][1] * r[1]) / det, (m[0][0] * r[1] - m[1][0] * r[0]) / det]


@generator(Param("lam", "ridge penalty λ", 0.5, 3, 0.1, 10, step=0.5))
def ridge_vs_ols(d: Draw) -> Built:
    """Ridge versus least squares on two points

    A 2×2 design matrix; the OLS and ridge solutions in closed form.
    """
    lam = d.param("lam")
    while True:
        X = [[d.grid(-2, 3, 1), d.grid(-2, 3, 1)], [d.grid(-2, 3, 1), d.grid(-2, 3, 1)]]
        if abs(X[0][0] * X[1][1] - X[0][1] * X[1][0]) >= 2:
            break
    y = [d.nonzero(-4, 4, 1), d.grid(-4, 4, 1)]
    xtx = [[sum(X[k][i] * X[k][j] for k in range(2)) for j in range(2)] for i in range(2)]
    xty = [sum(X[k][i] * y[k] for k in range(2)) for i in range(2)]
    ols = _solve2(X, y)
    reg = [[xtx[0][0] + lam, xtx[0][1]], [xtx[1][0], xtx[1][1] + lam]]
    ridge = _solve2(reg, xty)
    return Built(
        numbers={"X": X, "y": y, "lam": lam},
        parts=within(
            0.005,
            ("ols_1", "OLS w₁", ols[0]),
            ("ols_2", "OLS w₂", ols[1]),
            ("ridge_1", "ridge w₁", ridge[0]),
            ("ridge_2", "ridge w₂", ridge[1]),
        ),
        prompt=(
            rf"Two training examples (no intercept) give the design matrix and targets $X = {mat(X)}$, $y = {vec(y)}$."
            "\n\n"
            r"Compute the least-squares solution $\hat w_{\text{OLS}}$ and the ridge solution "
            rf"$\hat w_{{\text{{ridge}}}} = (X^\top X + \lambda I)^{{-1}} X^\top y$ with $\lambda = {fmt(lam)}$. "
            "Give all four coordinates to three decimals."
        ),
        solution=(
            rf"$X$ is square and invertible, so OLS fits both points exactly: $\hat w_{{\text{{OLS}}}} = X^{{-1}}y = {vec(ols, 4)}$."
            "\n\n"
            rf"For ridge, $X^\top X = {mat(xtx)}$ and $X^\top y = {vec(xty)}$, so"
            "\n\n"
            rf"$$\hat w_{{\text{{ridge}}}} = {mat(reg)}^{{-1}}{vec(xty)} = {vec(ridge, 4)}.$$"
            "\n\n"
            rf"The penalty pulls the solution towards zero: its norm drops from {fmt(math.hypot(*ols), 3)} "
            rf"to {fmt(math.hypot(*ridge), 3)}, and directions with little curvature in $X^\top X$ shrink most."
        ),
    )


def _gini(p: float, n: float) -> float:
    t = p + n
    return 1 - (p / t) ** 2 - (n / t) ** 2


def _entropy(p: float, n: float) -> float:
    t = p + n
    return -sum(c / t * math.log2(c / t) for c in (p, n) if c)


@generator(Param("count", "largest count per cell", 12, 20, 4, 60, integer=True))
def split_gain(d: Draw) -> Built:
    """Gini decrease and information gain of a split

    Class counts in two children of a binary split.
    """
    hi = d.param("count")
    while True:
        lp, ln, rp, rn = (d.grid(0, hi, 1) for _ in range(4))
        if min(lp + ln, rp + rn) < 2:
            continue
        P, N = lp + rp, ln + rn
        gini_gain = _gini(P, N) - ((lp + ln) * _gini(lp, ln) + (rp + rn) * _gini(rp, rn)) / (P + N)
        if gini_gain >= 0.01 and P and N:
            break
    total = P + N
    ent_gain = _entropy(P, N) - ((lp + ln) * _entropy(lp, ln) + (rp + rn) * _entropy(rp, rn)) / total
    return Built(
        numbers={"left": [lp, ln], "right": [rp, rn]},
        parts=within(
            0.002, ("gini", "Gini decrease", gini_gain), ("info", "information gain (bits)", ent_gain)
        ),
        prompt=(
            rf"A node holds {fmt(P)} positive and {fmt(N)} negative examples. A candidate split sends "
            rf"{fmt(lp)} positives and {fmt(ln)} negatives to the left child and {fmt(rp)} positives and "
            rf"{fmt(rn)} negatives to the right."
            "\n\n"
            "Compute the decrease in Gini impurity and the information gain (entropy in bits), each weighting "
            "the children by their share of the examples. Give both to three decimals."
        ),
        solution=(
            r"Gini impurity is $G = 1 - \sum_k p_k^2$ and entropy $H = -\sum_k p_k\log_2 p_k$."
            "\n\n"
            rf"- Parent: $G = {fmt(_gini(P, N), 4)}$, $H = {fmt(_entropy(P, N), 4)}$."
            "\n"
            rf"- Left ({fmt(lp + ln)} examples): $G = {fmt(_gini(lp, ln), 4)}$, $H = {fmt(_entropy(lp, ln), 4)}$."
            "\n"
            rf"- Right ({fmt(rp + rn)} examples): $G = {fmt(_gini(rp, rn), 4)}$, $H = {fmt(_entropy(rp, rn), 4)}$."
            "\n\n"
            rf"Weighted by $\frac{{{fmt(lp + ln)}}}{{{fmt(total)}}}$ and $\frac{{{fmt(rp + rn)}}}{{{fmt(total)}}}$: "
            rf"Gini decrease $= {fmt(gini_gain, 4)}$, information gain $= {fmt(ent_gain, 4)}$ bits."
        ),
    )


@generator(Param("k", "number of neighbours k", 3, 5, 1, 7, integer=True))
def knn_vote(d: Draw) -> Built:
    """A k-nearest-neighbour vote

    Seven labelled points in the plane and a query; the vote and the k-th distance.
    """
    k = d.int_param("k")
    while True:
        pts = [(d.grid(0, 9, 1), d.grid(0, 9, 1)) for _ in range(7)]
        labels = ["A" if d.grid(0, 1, 1) else "B" for _ in range(7)]
        q = (d.grid(1, 8, 1), d.grid(1, 8, 1))
        dist = [math.dist(p, q) for p in pts]
        order = sorted(range(7), key=lambda i: dist[i])
        ranked = [dist[i] for i in order]
        votes = [labels[i] for i in order[:k]]
        a = votes.count("A")
        # the k nearest are unambiguous, nobody sits on the query, and the vote has a winner
        if len(set(pts)) == 7 and ranked[0] > 0 and ranked[k - 1] < ranked[k] and 2 * a != k:
            break
    winner = "A" if 2 * a > k else "B"
    table = "| point | $x_1$ | $x_2$ | class |\n|---|---|---|---|\n" + "".join(
        f"| {i + 1} | {fmt(p[0])} | {fmt(p[1])} | {c} |\n"
        for i, (p, c) in enumerate(zip(pts, labels, strict=True))
    )
    rows = "".join(f"| {i + 1} | {fmt(dist[i], 3)} | {labels[i]} |\n" for i in order)
    return Built(
        numbers={"points": [list(p) for p in pts], "labels": labels, "q": list(q), "k": k},
        parts=(
            Part("class", "predicted class", 0 if winner == "A" else 1, choices=("A", "B")),
            Part("dist_k", "distance to the k-th neighbour", ranked[k - 1], 0.005, decimals=4),
        ),
        prompt=(
            rf"Classify the query point $q = ({fmt(q[0])}, {fmt(q[1])})$ with $k$-nearest neighbours, "
            rf"$k = {k}$, Euclidean distance and an unweighted majority vote, using:"
            "\n\n" + table + "\n"
            rf"Which class wins, and what is the distance from $q$ to its {ordinal(k)} nearest neighbour (three decimals)?"
        ),
        solution=(
            "Distances from $q$, nearest first:\n\n| point | distance | class |\n|---|---|---|\n"
            + rows
            + "\n"
            rf"The {k} nearest hold {a} of class A and {k - a} of class B, so the vote goes to **{winner}**. "
            rf"The {ordinal(k)} nearest is at distance {fmt(ranked[k - 1], 4)}."
        ),
    )


@generator(Param("emails", "messages per class", 20, 60, 10, 200, integer=True))
def naive_bayes_posterior(d: Draw) -> Built:
    """A Bernoulli naive-Bayes posterior with Laplace smoothing

    Word counts per class; the posterior of spam for a message.
    """
    n_s, n_h = d.int_param("emails"), d.int_param("emails")
    c_s = [d.grid(1, n_s - 1, 1), d.grid(1, n_s - 1, 1)]
    c_h = [d.grid(1, n_h - 1, 1), d.grid(1, n_h - 1, 1)]
    x = [1, d.grid(0, 1, 1)]
    words = ("offer", "meeting")

    def lik(counts: list[float], n: float) -> tuple[list[float], float]:
        theta = [(c + 1) / (n + 2) for c in counts]
        probs = [t if xi else 1 - t for t, xi in zip(theta, x, strict=True)]
        return theta, probs[0] * probs[1]

    th_s, l_s = lik(c_s, n_s)
    th_h, l_h = lik(c_h, n_h)
    prior_s = n_s / (n_s + n_h)
    post = prior_s * l_s / (prior_s * l_s + (1 - prior_s) * l_h)
    has = " and ".join(
        f"{'contains' if xi else 'does not contain'} “{w}”" for w, xi in zip(words, x, strict=True)
    )

    def terms(th: list[float]) -> str:
        return r"\cdot".join(fmt(t if xi else 1 - t, 4) for t, xi in zip(th, x, strict=True))

    return Built(
        numbers={"n_spam": n_s, "n_ham": n_h, "spam_counts": c_s, "ham_counts": c_h, "x": x},
        parts=(Part("posterior", "P(spam | message)", post, 0.005, decimals=4),),
        prompt=(
            rf"A training set has {n_s} spam and {n_h} legitimate (ham) messages. The word “offer” appears in "
            rf"{fmt(c_s[0])} spam and {fmt(c_h[0])} ham messages; “meeting” appears in {fmt(c_s[1])} spam and "
            rf"{fmt(c_h[1])} ham messages."
            "\n\n"
            rf"A Bernoulli naive-Bayes classifier with Laplace (add-one) smoothing, $\hat\theta = (\text{{count}}+1)/(n_c+2)$, "
            rf"and class priors from the training frequencies sees a new message that {has}. "
            r"What is $P(\text{spam}\mid\text{message})$? Give three decimals."
        ),
        solution=(
            rf"Smoothed word probabilities: spam $({fmt(th_s[0], 4)}, {fmt(th_s[1], 4)})$, ham "
            rf"$({fmt(th_h[0], 4)}, {fmt(th_h[1], 4)})$. A word that is absent contributes $1-\hat\theta$."
            "\n\n"
            rf"$$P(\text{{spam}})\,P(x\mid\text{{spam}}) = {fmt(prior_s, 4)}\cdot {terms(th_s)} = {fmt(prior_s * l_s, 5)},$$"
            "\n"
            rf"$$P(\text{{ham}})\,P(x\mid\text{{ham}}) = {fmt(1 - prior_s, 4)}\cdot {terms(th_h)} = {fmt((1 - prior_s) * l_h, 5)}.$$"
            "\n\n"
            rf"Normalising: $P(\text{{spam}}\mid x) = {fmt(post, 4)}$. The independence assumption is what lets "
            "the two word probabilities multiply."
        ),
    )
