"""A candidate's released feedback as a Markdown document (the download next to the JSON one).

Built from the reviewers' own Markdown (summaries, comments), not from the rendered HTML, so the
maths stays as the reviewer wrote it. Pure: takes the feedback view's context.
"""

from __future__ import annotations

import re
from typing import Any

_TAGS = re.compile(r"<[^>]+>")


def _plain(html: str) -> str:
    """Rendered HTML of our own (key points, descriptors) as one line of text."""
    return " ".join(_TAGS.sub(" ", html).split())


def feedback_markdown(ctx: dict[str, Any]) -> str:
    fmt, outcome, labels = ctx["fmt"], ctx["outcome"], ctx["recommendation_labels"]
    out = [f"# Feedback: {fmt.title}", ""]
    if outcome is not None:
        rec = labels.get(outcome.recommendation, "—")
        out += [f"- Score: {outcome.score_percent or 0:.1f} %", f"- Recommendation: {rec}"]
        if outcome.released_at:
            out.append(f"- Released: {outcome.released_at:%Y-%m-%d %H:%M} UTC")
        if (adj := ctx.get("adjudication")) is not None:
            out.append(
                f"- Adjudicated (the reviewers disagreed; a third reviewer set these scores): {adj.reason}"
            )
        out.append("")
    for label, r in ctx["reviews"]:
        out += [f"## {label}", "", f"Recommendation: {labels.get(r.recommendation, '—')}"]
        out += [f"Score: {r.score_percent or 0:.1f} %", ""]
        if r.signals:
            signals = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.signals.items() if v is not None)
            out += [f"Signals (1–4): {signals}", ""]
        if r.summary.strip():
            out += [r.summary.strip(), ""]
    for it in ctx["items"]:
        v = it["v"]
        out += [f"## Question {v.position + 1}: {v.title}", ""]
        if it["fraction"] is not None:
            out += [f"Score: {100 * it['fraction']:.0f} %", ""]
        for c in it["criteria"]:
            mean = "—" if c["mean"] is None else f"{c['mean']:g}"
            out.append(f"- {c['crit']['name']}: {mean} / {c['crit']['points']:g}")
        if it["criteria"]:
            out.append("")
        for kp in it["key_points"]:
            out.append(f"- {'Hit' if kp['hit'] else 'Missed'}: {_plain(kp['html'])}")
        if it["key_points"]:
            out.append("")
        if it["misconceptions"]:
            out += ["Misconceptions noted: " + "; ".join(it["misconceptions"]), ""]
        for label, text in it.get("comments_md", []):
            out += [f"**{label}:**", "", text.strip(), ""]
        for n in (ctx.get("annotations") or {}).get(v.ctx.item_id, {}).get("notes", []):
            out += [f"> {n['quote']}", "", f"**{n['label']}:** {n['comment']}", ""]
    return "\n".join(out).rstrip() + "\n"
