"""Statistical learning theory: Hoeffding and PAC sample sizes, VC dimension of a described class."""

from __future__ import annotations

import math

from app.questions.generators.base import Area, Built, Draw, Param, Part, fmt

generator = Area("learning-theory")


@generator(
    Param("log10_h", "log₁₀ |H|", 0, 6, 0, 12, integer=True),
    Param("eps", "accuracy ε", 0.02, 0.1, 0.01, 0.5, step=0.01),
)
def hoeffding_sample_size(d: Draw) -> Built:
    """Sample size for uniform convergence over a finite class (Hoeffding + union bound)

    |H|, ε and δ; the smallest n with 2|H|e^{−2nε²} ≤ δ.
    """
    h = 10 ** d.int_param("log10_h")
    eps = d.param("eps")
    delta = d.grid(0.01, 0.1, 0.01)
    bound = math.log(2 * h / delta) / (2 * eps * eps)
    n = math.ceil(bound - 1e-9)
    h_tex = "1" if h == 1 else rf"10^{{{int(math.log10(h))}}}"
    return Built(
        numbers={"H": h, "eps": eps, "delta": delta},
        parts=(Part("n", "smallest n", n, 1, decimals=0),),
        prompt=(
            rf"A hypothesis class has $|H| = {h_tex}$ hypotheses with losses in $[0, 1]$. How many i.i.d. "
            rf"examples $n$ guarantee, by Hoeffding's inequality and a union bound, that with probability at "
            rf"least $1-\delta$ every $h\in H$ has $|\hat R(h) - R(h)| \le \epsilon$, for $\epsilon = {fmt(eps)}$ "
            rf"and $\delta = {fmt(delta)}$? Give the smallest integer $n$."
        ),
        solution=(
            r"For one hypothesis Hoeffding gives $P(|\hat R - R| > \epsilon) \le 2e^{-2n\epsilon^2}$; the union bound "
            r"multiplies by $|H|$. Requiring $2|H|e^{-2n\epsilon^2} \le \delta$ gives"
            "\n\n"
            rf"$$n \ge \frac{{\ln(2|H|/\delta)}}{{2\epsilon^2}} = \frac{{{fmt(math.log(2 * h / delta), 4)}}}"
            rf"{{2\cdot{fmt(eps)}^2}} = {fmt(bound, 2)},$$"
            "\n\n"
            rf"so $n = {n}$. The class size enters only through its logarithm; the accuracy enters squared."
        ),
    )


@generator(
    Param("d", "number of boolean variables d", 5, 30, 1, 100, integer=True),
    Param("eps", "error ε", 0.02, 0.2, 0.01, 0.5, step=0.01),
)
def pac_conjunctions(d: Draw) -> Built:
    """PAC sample size for a consistent learner of conjunctions

    Conjunctions of literals over d boolean variables (|H| = 3^d); realisable-case bound.
    """
    nvars, eps = d.int_param("d"), d.param("eps")
    delta = d.grid(0.01, 0.1, 0.01)
    bound = (nvars * math.log(3) + math.log(1 / delta)) / eps
    m = math.ceil(bound - 1e-9)
    return Built(
        numbers={"d": nvars, "eps": eps, "delta": delta},
        parts=(Part("m", "smallest m", m, 1, decimals=0),),
        prompt=(
            rf"A learner outputs any conjunction of literals over $d = {nvars}$ boolean variables that is consistent "
            "with its training set (each variable appears positive, negated or not at all). Assuming the target "
            rf"is such a conjunction, how many examples suffice so that, with probability at least $1-\delta$, the "
            rf"learned hypothesis has true error at most $\epsilon$, for $\epsilon = {fmt(eps)}$ and "
            rf"$\delta = {fmt(delta)}$? Use the finite-class bound and give the smallest integer."
        ),
        solution=(
            r"Each variable has three states, so $|H| = 3^d$. A hypothesis with error above $\epsilon$ survives $m$ "
            r"examples with probability at most $(1-\epsilon)^m \le e^{-\epsilon m}$; the union bound requires "
            r"$|H|e^{-\epsilon m} \le \delta$, i.e."
            "\n\n"
            rf"$$m \ge \frac{{d\ln 3 + \ln(1/\delta)}}{{\epsilon}} = \frac{{{fmt(nvars * math.log(3), 4)} + "
            rf"{fmt(math.log(1 / delta), 4)}}}{{{fmt(eps)}}} = {fmt(bound, 2)},$$"
            "\n\n"
            rf"so $m = {m}$. In the realisable case the dependence on $\epsilon$ is $1/\epsilon$, not $1/\epsilon^2$."
        ),
    )


# (description, VC dimension as a function of d, why)
_CLASSES: tuple[tuple[str, str], ...] = (
    ("affine half-spaces $\\{{x : w^\\top x + b \\ge 0\\}}$ in $\\mathbb{{R}}^{{{d}}}$", "affine"),
    (
        "half-spaces through the origin $\\{{x : w^\\top x \\ge 0\\}}$ in $\\mathbb{{R}}^{{{d}}}$",
        "homogeneous",
    ),
    ("axis-aligned boxes in $\\mathbb{{R}}^{{{d}}}$ (label 1 inside the box)", "boxes"),
    ("unions of at most {d} closed intervals on the real line (label 1 inside)", "intervals"),
)
_WHY = {
    "affine": "$d+1$ points in general position (the origin and the unit vectors) can be shattered, and by "
    "Radon's theorem any $d+2$ points split into two sets whose convex hulls meet, which no half-space "
    "separates.",
    "homogeneous": "the $d$ unit vectors are shattered (take $w_i = \\pm1$), and $d+1$ vectors in "
    "$\\mathbb{R}^d$ are linearly dependent, which rules out one of the labellings.",
    "boxes": "the $2d$ points $\\pm e_i$ are shattered (shrink each side of the box to drop a point), while "
    "among any $2d+1$ points the box spanned by the extreme points in each coordinate also contains the "
    "remaining one, so labelling it 0 and the others 1 is impossible.",
    "intervals": "$2k$ points are shattered (each run of 1s needs one interval and there are at most $k$ runs), "
    "but $2k+1$ points labelled alternately $1,0,1,\\dots$ need $k+1$ intervals.",
}


def vc_answer(kind: str, d: int) -> int:
    """The VC dimension of class `kind` with parameter d (d = dimension, or k intervals)."""
    return {"affine": d + 1, "homogeneous": d, "boxes": 2 * d, "intervals": 2 * d}[kind]


@generator(Param("d", "dimension d (or number of intervals)", 1, 5, 1, 20, integer=True))
def vc_dimension(d: Draw) -> Built:
    """VC dimension of a described class

    A hypothesis class in words; the candidate picks its VC dimension.
    """
    dim = d.int_param("d")
    text, kind = _CLASSES[int(d.grid(0, len(_CLASSES) - 1, 1))]
    answer = vc_answer(kind, dim)
    options = sorted({answer, dim, dim + 1, 2 * dim, 2 * dim + 1, dim + 2} - {0})[:5]
    if answer not in options:
        options = sorted([*options[:4], answer])
    choices = (*(str(o) for o in options), "infinite")
    description = text.format(d=dim)
    return Built(
        numbers={"class": kind, "d": dim},
        parts=(Part("vc", "VC dimension", choices.index(str(answer)), choices=choices),),
        prompt=f"What is the VC dimension of the class of {description}?",
        solution=(
            f"The VC dimension is **{answer}**: "
            + _WHY[kind]
            .replace("$d$", f"$d={dim}$" if kind != "intervals" else "$d$")
            .replace("$k$", f"$k={dim}$")
        ),
    )
