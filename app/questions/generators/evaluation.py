"""Model evaluation: precision at a new prevalence, AUC from scores, bias–variance."""

from __future__ import annotations

from app.questions.generators.base import Area, Built, Draw, Param, Part, fmt, within

generator = Area("evaluation")


@generator(Param("prevalence", "deployment prevalence π", 0.02, 0.2, 0.01, 0.9, step=0.01))
def precision_at_prevalence(d: Draw) -> Built:
    """Precision, recall and F1 when the prevalence changes

    A balanced validation confusion matrix; precision and F1 at the deployment prevalence.
    """
    pi = d.param("prevalence")
    pos = neg = 200
    tp = d.grid(120, 190, 1)
    fp = d.grid(4, 40, 1)
    fn, tn = pos - tp, neg - fp
    rec, fpr = tp / pos, fp / neg
    prec_val = tp / (tp + fp)
    prec = rec * pi / (rec * pi + fpr * (1 - pi))
    f1 = 2 * prec * rec / (prec + rec)
    return Built(
        numbers={"tp": tp, "fn": fn, "fp": fp, "tn": tn, "prevalence": pi},
        parts=within(0.005, ("precision", "precision in deployment", prec), ("f1", "F1 in deployment", f1)),
        prompt=(
            "On a balanced validation set a classifier produced this confusion matrix:\n\n"
            "| | predicted positive | predicted negative |\n|---|---|---|\n"
            f"| actual positive | {fmt(tp)} | {fmt(fn)} |\n| actual negative | {fmt(fp)} | {fmt(tn)} |\n\n"
            rf"In deployment only a fraction $\pi = {fmt(pi)}$ of cases are positive, and the classifier's "
            "true- and false-positive rates stay as measured. What are its precision and F1 score in deployment? "
            "Give three decimals."
        ),
        solution=(
            rf"Rates do not depend on prevalence: recall $= {fmt(tp)}/{pos} = {fmt(rec, 4)}$, false-positive rate "
            rf"$= {fmt(fp)}/{neg} = {fmt(fpr, 4)}$. Precision does: on the validation set it was {fmt(prec_val, 4)}, "
            "but in deployment"
            "\n\n"
            rf"$$\text{{precision}} = \frac{{\text{{TPR}}\,\pi}}{{\text{{TPR}}\,\pi + \text{{FPR}}\,(1-\pi)}} = "
            rf"\frac{{{fmt(rec, 4)}\cdot{fmt(pi)}}}{{{fmt(rec, 4)}\cdot{fmt(pi)} + {fmt(fpr, 4)}\cdot{fmt(1 - pi)}}} = {fmt(prec, 4)},$$"
            "\n\n"
            rf"and $F_1 = 2PR/(P+R) = {fmt(f1, 4)}$. Rare positives let even a small false-positive rate swamp the "
            "true positives."
        ),
    )


@generator(Param("per_class", "examples per class", 3, 5, 2, 8, integer=True))
def auc_from_scores(d: Draw) -> Built:
    """ROC AUC from a handful of scores

    Scores of a few positives and negatives; the AUC as the fraction of correctly ordered pairs.
    """
    n_pos, n_neg = d.int_param("per_class"), d.int_param("per_class")
    while True:
        scores = [d.grid(0.01, 0.99, 0.01) for _ in range(n_pos + n_neg)]
        if len(set(scores)) == len(scores):
            break
    pos, neg = sorted(scores[:n_pos], reverse=True), sorted(scores[n_pos:], reverse=True)
    wins = [sum(1 for s in neg if s < p) for p in pos]
    auc = sum(wins) / (n_pos * n_neg)
    lines = "\n".join(f"- {fmt(p, 2)} beats {w} of the negatives" for p, w in zip(pos, wins, strict=True))
    return Built(
        numbers={"positives": pos, "negatives": neg},
        parts=(Part("auc", "AUC", auc, 0.002, decimals=4),),
        prompt=(
            "A classifier gives these scores (higher means more likely positive):\n\n"
            f"- positives: {', '.join(fmt(s, 2) for s in pos)}\n"
            f"- negatives: {', '.join(fmt(s, 2) for s in neg)}\n\n"
            "What is the area under its ROC curve? Give three decimals (a fraction is fine too)."
        ),
        solution=(
            "The AUC equals the probability that a random positive scores above a random negative, i.e. the "
            "fraction of positive–negative pairs in the right order (there are no ties here).\n\n"
            + lines
            + "\n\n"
            + rf"$$\text{{AUC}} = \frac{{{sum(wins)}}}{{{n_pos}\cdot{n_neg}}} = {fmt(auc, 4)}.$$"
        ),
    )


@generator(
    Param("models", "number of trained models", 4, 6, 3, 10, integer=True),
    Param("noise", "noise variance σ²", 0.1, 0.5, 0.0, 2.0, step=0.05),
)
def bias_variance(d: Draw) -> Built:
    """A bias–variance decomposition from given predictions

    Predictions at one input from models trained on independent samples; bias², variance, expected
    error.
    """
    m, s2 = d.int_param("models"), d.param("noise")
    f = d.grid(1, 4, 0.5)
    offset = d.grid(-1, 1, 0.1)
    preds = [round(f + offset + d.grid(-1, 1, 0.1), 1) for _ in range(m)]
    mean = sum(preds) / m
    bias2 = (mean - f) ** 2
    var = sum((p - mean) ** 2 for p in preds) / m
    total = bias2 + var + s2
    return Built(
        numbers={"f": f, "noise": s2, "predictions": preds},
        parts=(
            Part("bias2", "squared bias", bias2, 0.003, decimals=4),
            Part("variance", "variance", var, 0.003, decimals=4),
            Part("total", "expected squared error", total, 0.005, decimals=4),
        ),
        prompt=(
            rf"At an input $x_0$ the true regression function is $f(x_0) = {fmt(f)}$ and the observation noise "
            rf"has variance $\sigma^2 = {fmt(s2)}$. The same learning algorithm, trained on {m} independent "
            "training sets, predicts at $x_0$:\n\n"
            rf"$${', '.join(fmt(p, 1) for p in preds)}.$$"
            "\n\n"
            "Treating these as the whole distribution of the learner's prediction, give the squared bias, the "
            "variance (divide by the number of models) and the expected squared error on a new observation at "
            "$x_0$, each to three decimals."
        ),
        solution=(
            rf"The mean prediction is $\bar y = {fmt(mean, 4)}$."
            "\n\n"
            rf"- squared bias: $(\bar y - f(x_0))^2 = ({fmt(mean - f, 4)})^2 = {fmt(bias2, 4)}$"
            "\n"
            rf"- variance: $\frac1{{{m}}}\sum_j (\hat y_j - \bar y)^2 = {fmt(var, 4)}$"
            "\n"
            rf"- expected squared error: bias² + variance + $\sigma^2$ $= {fmt(bias2, 4)} + {fmt(var, 4)} + {fmt(s2)} "
            rf"= {fmt(total, 4)}$"
            "\n\n"
            "The noise term is the floor no learner can go below."
        ),
    )
