"""Generators: every answer recomputed independently with numpy/scipy on many seeds; same seed, same
everything; author ranges are honoured and checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import optimize, special, stats

from app.questions import generators
from app.questions.generators import base
from app.questions.generators.base import Instance, RangeError, fmt

SEEDS = range(200)
Numbers = dict[str, Any]


def _gd_quadratic(n: Numbers) -> dict[str, float]:
    A, b, w0 = np.array(n["A"]), np.array(n["b"]), np.array(n["w0"])
    assert np.all(np.linalg.eigvalsh(A) > 0)
    w1 = w0 - n["lr"] * (A @ w0 - b)
    return {"w1_1": w1[0], "w1_2": w1[1]}


def _step_bound(n: Numbers) -> dict[str, float]:
    L = np.linalg.eigvalsh(np.array(n["H"])).max()
    return {"L": L, "eta_max": 2 / L}


def _momentum(n: Numbers) -> dict[str, float]:
    a, c, x, beta, lr = n["a"], n["c"], n["x0"], n["beta"], n["lr"]
    v = 0.0
    for _ in range(2):
        v = beta * v + a * (x - c)
        x = x - lr * v
    return {"x2": x}


def _adam(n: Numbers) -> dict[str, float]:
    t, g = n["t"], n["g"]
    m = 0.9 * n["m_prev"] + 0.1 * g
    v = 0.999 * n["v_prev"] + 0.001 * g**2
    m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
    return {"m_hat": m_hat, "delta": -n["lr"] * m_hat / (np.sqrt(v_hat) + 1e-8)}


def _newton(n: Numbers) -> dict[str, float]:
    a, b, x0 = n["a"], n["b"], n["x0"]

    def f(x: float) -> float:
        return float(np.exp(a * x) - b * x)

    h = 1e-4  # derivatives by central differences: independent of the closed form
    g1 = (f(x0 + h) - f(x0 - h)) / (2 * h)
    g2 = (f(x0 + h) - 2 * f(x0) + f(x0 - h)) / h**2
    res = optimize.minimize_scalar(f, bounds=(-10, 10), method="bounded", options={"xatol": 1e-10})
    return {"x1": x0 - g1 / g2, "xstar": res.x}


def _logreg(n: Numbers) -> dict[str, float]:
    X, y = np.array(n["x"]), np.array(n["y"])

    def loss(theta: np.ndarray) -> float:
        p = special.expit(theta[0] * X + theta[1])
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    grad = optimize.approx_fprime(np.array([n["w"], n["b"]], dtype=float), loss, 1e-7)
    return {"dw": grad[0], "db": grad[1]}


def _ridge(n: Numbers) -> dict[str, float]:
    X, y, lam = np.array(n["X"], dtype=float), np.array(n["y"], dtype=float), n["lam"]
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    # ridge as least squares on the augmented system [X; √λ I] w ≈ [y; 0]
    ridge = np.linalg.lstsq(
        np.vstack([X, np.sqrt(lam) * np.eye(2)]), np.concatenate([y, [0, 0]]), rcond=None
    )[0]
    return {"ols_1": ols[0], "ols_2": ols[1], "ridge_1": ridge[0], "ridge_2": ridge[1]}


def _split(n: Numbers) -> dict[str, float]:
    left, right = np.array(n["left"], dtype=float), np.array(n["right"], dtype=float)
    parent = left + right

    def gini(c: np.ndarray) -> float:
        return float(1 - np.sum((c / c.sum()) ** 2))

    w = np.array([left.sum(), right.sum()]) / parent.sum()
    return {
        "gini": gini(parent) - w[0] * gini(left) - w[1] * gini(right),
        "info": stats.entropy(parent, base=2)
        - w[0] * stats.entropy(left, base=2)
        - w[1] * stats.entropy(right, base=2),
    }


def _knn(n: Numbers) -> dict[str, float]:
    from scipy.spatial.distance import cdist

    dist = cdist(np.array(n["points"], dtype=float), np.array([n["q"]], dtype=float)).ravel()
    order = np.argsort(dist, kind="stable")[: n["k"]]
    labels = np.array(n["labels"])[order]
    winner = 0 if (labels == "A").sum() > n["k"] / 2 else 1
    return {"class": winner, "dist_k": dist[order[-1]]}


def _naive_bayes(n: Numbers) -> dict[str, float]:
    counts = np.array([n["spam_counts"], n["ham_counts"]], dtype=float)
    sizes = np.array([n["n_spam"], n["n_ham"]], dtype=float)
    theta = (counts + 1) / (sizes[:, None] + 2)
    x = np.array(n["x"])
    log_joint = np.log(sizes / sizes.sum()) + np.sum(
        np.where(x == 1, np.log(theta), np.log(1 - theta)), axis=1
    )
    return {"posterior": special.softmax(log_joint)[0]}


def _prevalence(n: Numbers) -> dict[str, float]:
    tpr = n["tp"] / (n["tp"] + n["fn"])
    fpr = n["fp"] / (n["fp"] + n["tn"])
    pi = n["prevalence"]
    # a large deployment population with these rates
    N = 1_000_000
    tp, fp, fn = tpr * pi * N, fpr * (1 - pi) * N, (1 - tpr) * pi * N
    prec = tp / (tp + fp)
    return {"precision": prec, "f1": 2 * tp / (2 * tp + fp + fn)}


def _auc(n: Numbers) -> dict[str, float]:
    pos, neg = n["positives"], n["negatives"]
    u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
    return {"auc": u / (len(pos) * len(neg))}


def _bias_variance(n: Numbers) -> dict[str, float]:
    p = np.array(n["predictions"])
    b2 = (p.mean() - n["f"]) ** 2
    # expected squared error, straight from the definition over the models' predictions
    total = np.mean((p - n["f"]) ** 2) + n["noise"]
    return {"bias2": b2, "variance": np.var(p), "total": total}


def _beta_bernoulli(n: Numbers) -> dict[str, float]:
    k, m, a, b = n["k"], n["n"], n["alpha"], n["beta"]
    mle = optimize.minimize_scalar(
        lambda t: -stats.binom.logpmf(k, m, t), bounds=(1e-6, 1 - 1e-6), method="bounded"
    )
    post = stats.beta(a + k, b + m - k)
    mode = optimize.minimize_scalar(lambda t: -post.logpdf(t), bounds=(1e-6, 1 - 1e-6), method="bounded")
    return {"mle": mle.x, "map": mode.x, "mean": post.mean()}


def _clt(n: Numbers) -> dict[str, float]:
    lo, hi = stats.norm.interval(n["level"], loc=n["mean"], scale=n["sd"] / np.sqrt(n["n"]))
    return {"lower": lo, "upper": hi}


def _bayes(n: Numbers) -> dict[str, float]:
    prior = np.array([n["prevalence"], 1 - n["prevalence"]])
    like = np.array([n["sensitivity"], 1 - n["specificity"]])
    post = prior * like / np.sum(prior * like)
    return {"posterior": post[0]}


def _hoeffding(n: Numbers) -> dict[str, float]:
    m = 1
    while 2 * n["H"] * np.exp(-2 * m * n["eps"] ** 2) > n["delta"]:
        m += 1
    return {"n": m}


def _pac(n: Numbers) -> dict[str, float]:
    m = 1
    while 3.0 ** n["d"] * np.exp(-n["eps"] * m) > n["delta"]:
        m += 1
    return {"m": m}


# VC dimensions as the textbooks state them (d = dimension, or the number of intervals)
VC = {
    "affine": lambda d: d + 1,
    "homogeneous": lambda d: d,
    "boxes": lambda d: 2 * d,
    "intervals": lambda d: 2 * d,
}


def _chain(n: Numbers) -> dict[str, float]:
    def loss(w: np.ndarray) -> float:
        return float(0.5 * (special.expit(w[0] * n["x"] + n["b"]) - n["y"]) ** 2)

    return {"grad": optimize.approx_fprime(np.array([n["w"]], dtype=float), loss, 1e-7)[0]}


def _pca(n: Numbers) -> dict[str, float]:
    ev = np.linalg.eigvalsh(np.array(n["Sigma"]))
    return {"lambda1": ev.max(), "share": ev.max() / ev.sum()}


CHECKS: dict[str, Callable[[Numbers], dict[str, float]]] = {
    "gd_quadratic_step": _gd_quadratic,
    "gd_step_bound": _step_bound,
    "momentum_steps": _momentum,
    "adam_step": _adam,
    "newton_step": _newton,
    "logreg_gradient": _logreg,
    "ridge_vs_ols": _ridge,
    "split_gain": _split,
    "knn_vote": _knn,
    "naive_bayes_posterior": _naive_bayes,
    "precision_at_prevalence": _prevalence,
    "auc_from_scores": _auc,
    "bias_variance": _bias_variance,
    "beta_bernoulli": _beta_bernoulli,
    "clt_interval": _clt,
    "bayes_test": _bayes,
    "hoeffding_sample_size": _hoeffding,
    "pac_conjunctions": _pac,
    "chain_rule_sigmoid": _chain,
    "pca_variance": _pca,
}
ALL = [g.name for g in generators.catalogue()]


def test_catalogue_covers_every_area() -> None:
    cat = generators.catalogue()
    assert len(cat) >= 16
    assert {g.area for g in cat} == {
        "optimisation",
        "supervised",
        "evaluation",
        "probability",
        "learning-theory",
        "maths",
    }
    assert set(CHECKS) | {"vc_dimension"} == set(ALL)


def _check_parts(inst: Instance, expected: dict[str, float]) -> None:
    assert {p.key for p in inst.parts} == set(expected)
    for p in inst.parts:
        want = float(expected[p.key])
        if p.choices:
            assert p.value == want, (inst.seed, p.key)
            continue
        # the generator's answer agrees with the independent one far inside the tolerance it grades with
        assert abs(p.value - want) <= 1e-4 * max(1.0, abs(want)), (inst.seed, p.key, p.value, want)
        # and the answer is of sensible magnitude: never tiny, never huge
        assert abs(want) < 1e5


# The inner loop checks every generator on its first seeds; the rest of the 200-seed sweep (seconds of
# numpy/scipy) is `slow`: `make test` (CI) runs it.
FIRST_SEEDS = 10
SWEEP = [
    pytest.param(SEEDS[:FIRST_SEEDS], id="first-seeds"),
    pytest.param(SEEDS[FIRST_SEEDS:], id="sweep", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("seeds", SWEEP)
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_answers_match_an_independent_computation(name: str, seeds: range) -> None:
    gen = generators.get(name)
    assert gen is not None
    for seed in seeds:
        inst = gen.instance(seed)
        _check_parts(inst, CHECKS[name](inst.numbers))


def test_vc_dimension_choices() -> None:
    gen = generators.get("vc_dimension")
    assert gen is not None
    seen = set()
    for seed in SEEDS:
        inst = gen.instance(seed)
        (part,) = inst.parts
        seen.add(inst.numbers["class"])
        assert part.choices[int(part.value)] == str(VC[inst.numbers["class"]](inst.numbers["d"]))
        assert len(set(part.choices)) == len(part.choices) >= 4
    assert seen == set(VC)


def _brute_shatter_intervals(points: int, k: int) -> bool:
    """Can unions of at most k intervals realise every labelling of `points` points on a line?"""
    for mask in range(2**points):
        bits = [(mask >> i) & 1 for i in range(points)]
        runs = sum(1 for i, b in enumerate(bits) if b and (i == 0 or not bits[i - 1]))
        if runs > k:
            return False
    return True


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_vc_of_intervals_by_brute_force(k: int) -> None:
    assert _brute_shatter_intervals(VC["intervals"](k), k)
    assert not _brute_shatter_intervals(VC["intervals"](k) + 1, k)


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_instance_and_seeds_differ(name: str) -> None:
    gen = generators.get(name)
    assert gen is not None
    first = [gen.instance(s) for s in range(30)]
    again = [gen.instance(s) for s in range(30)]
    assert first == again
    assert len({i.prompt for i in first}) >= 5


@pytest.mark.parametrize("name", ALL)
def test_shown_answer_is_accepted_and_a_wrong_one_is_not(name: str) -> None:
    gen = generators.get(name)
    assert gen is not None
    for seed in range(50):
        inst = gen.instance(seed)
        shown = {p.key: (str(int(p.value)) if p.choices else p.shown()) for p in inst.parts}
        assert inst.grade({"parts": shown}) == 1.0
        wrong = {
            p.key: (
                str((int(p.value) + 1) % len(p.choices))
                if p.choices
                else fmt(p.value + 10 * p.tolerance * max(1, abs(p.value)) + 1, 4)
            )
            for p in inst.parts
        }
        assert inst.grade({"parts": wrong}) == 0.0
        assert inst.grade(None) == 0.0


def test_author_ranges_are_honoured() -> None:
    gen = generators.get("gd_quadratic_step")
    assert gen is not None
    for seed in range(100):
        inst = gen.instance(seed, {"lr": [0.1, 0.12]})
        assert 0.1 <= inst.numbers["lr"] <= 0.12
    narrow = generators.get("knn_vote")
    assert narrow is not None
    assert {narrow.instance(s, {"k": [5, 5]}).numbers["k"] for s in range(20)} == {5}


@pytest.mark.parametrize(
    "ranges, field",
    [
        ({"lr": [0.5, 0.1]}, "lr"),
        ({"lr": [0.0, 0.1]}, "lr"),
        ({"lr": ["a", 1]}, "lr"),
        ({"nope": [1, 2]}, "nope"),
        ({"curvature": [10, 12]}, "curvature"),
    ],
)
def test_bad_ranges_are_refused_by_name(ranges: dict[str, Any], field: str) -> None:
    gen = generators.get("gd_quadratic_step")
    assert gen is not None
    with pytest.raises(RangeError) as err:
        gen.instance(1, ranges)
    assert field in err.value.problems


def test_unknown_generator_or_version() -> None:
    assert generators.get("no_such") is None
    assert generators.get("knn_vote", 99) is None
    assert generators.get("knn_vote", 1) is generators.get("knn_vote")


def test_an_area_registers_a_function_by_its_name_and_docstring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "REGISTRY", {})
    generator = base.Area("maths")
    params = (base.Param("k", "k", 1, 2, 1, 3, integer=True),)

    def build(d: base.Draw) -> base.Built:
        return base.Built({}, "", (), "")

    @generator(*params)
    def twice(d: base.Draw) -> base.Built:
        """Twice a number

        A summary on
        two lines.
        """
        return build(d)

    gen = base.REGISTRY["twice"][1]  # the first version unless told
    assert (gen.area, gen.title, gen.summary, gen.params) == (
        "maths",
        "Twice a number",
        "A summary on two lines.",
        params,
    )

    @generator(*params, version=2, name="twice")
    def twice_v2(d: base.Draw) -> base.Built:
        """Twice a number, again"""
        return build(d)

    assert base.REGISTRY["twice"][2].title == "Twice a number, again"
    with pytest.raises(ValueError, match="twice v2 registered twice"):
        generator(*params, version=2, name="twice")(twice_v2)
    with pytest.raises(ValueError, match="needs a docstring"):
        generator(*params, version=1)(build)


@pytest.mark.parametrize("name", ALL)
def test_prompt_and_solution_render_to_mathml(name: str) -> None:
    from app.questions.rendering import render_markdown

    gen = generators.get(name)
    assert gen is not None
    for seed in range(15):
        inst = gen.instance(seed)
        assert "<math" in render_markdown(inst.prompt) + render_markdown(inst.solution)
