"""GIFT writer (pure): what the GIFT format can hold of each question, and what it had to drop."""

from __future__ import annotations

from app.imports.common import carried, dropped_fields, effective_weights, fmt_number, is_true_false
from app.imports.gift_answers import ARROW, ESCAPABLE
from app.questions.native import QuestionDoc


def escape(text: str) -> str:
    out = "".join("\\" + c if c in ESCAPABLE else c for c in text)
    lines = out.split("\n")
    # A blank or `//` line would end the question or become a comment: join it with an escaped newline.
    buf = lines[0]
    for line in lines[1:]:
        joiner = "\\n" if (not line.strip() or line.lstrip().startswith("//")) else "\n"
        buf += joiner + line
    return buf


def _option_line(marker: str, weight: float | None, text: str, feedback: str) -> str:
    w = f"%{fmt_number(round(weight, 5))}%" if weight is not None else ""
    if not w and text.startswith("%"):  # GIFT cannot escape %: an explicit weight keeps it text
        w = "%100%" if marker == "=" else "%0%"
    fb = f"#{escape(feedback)}" if feedback else ""
    return f"\t{marker}{w}{escape(text)}{fb}"


def _answer_block(doc: QuestionDoc) -> str:
    general = f"####{escape(doc.reference_answer)}" if doc.reference_answer else ""
    # a parametrised question leaves as an essay with its introduction (the generator cannot travel)
    if doc.kind in ("free_text", "parametrised"):
        return "{" + general + "}"
    if doc.kind == "numeric":
        assert doc.numeric is not None
        n = doc.numeric
        tol = n.tolerance if n.tolerance_mode == "absolute" else abs(n.value) * n.tolerance
        spec = fmt_number(n.value) + (f":{fmt_number(tol)}" if tol else "")
        return "{#" + spec + general + "}"
    if doc.kind == "matching":
        # a pair is read by its first `->`: one inside the prompt goes as `-\>` (Markdown for `->`)
        pairs = [f"\t={escape(p.prompt).replace('->', ARROW)} -> {escape(p.answer)}" for p in doc.pairs]
        return "{\n" + "\n".join([*pairs, *(["\t" + general] if general else [])]) + "\n}"
    if is_true_false(doc):
        right = next(o for o in doc.options if o.correct)
        wrong = next(o for o in doc.options if not o.correct)
        fb = ""
        if wrong.feedback or right.feedback:
            fb = f"#{escape(wrong.feedback)}" + (f"#{escape(right.feedback)}" if right.feedback else "")
        return "{" + ("TRUE" if right.text.casefold() == "true" else "FALSE") + fb + general + "}"
    lines = []
    if doc.kind == "single_choice":
        for o in doc.options:
            weight = None if o.correct else o.weight
            lines.append(_option_line("=" if o.correct else "~", weight, o.text, o.feedback))
    else:
        for o, w in zip(doc.options, effective_weights(doc), strict=True):
            lines.append(_option_line("~", w if w else None, o.text, o.feedback))
    if general:
        lines.append("\t" + general)
    return "{\n" + "\n".join(lines) + "\n}"


def write(docs: list[QuestionDoc], topic_names: dict[str, tuple[str, str]]) -> tuple[str, list[list[str]]]:
    """GIFT text for the documents, plus what each question lost (rubrics, follow-ups, …)."""
    out: list[str] = []
    dropped: list[list[str]] = []
    for doc, path in carried(docs, topic_names, dropped):
        if path is not None:
            out.append(f"$CATEGORY: $course$/top/{escape(path)}\n")
        meta = []
        if doc.external_id:
            meta.append(f"// [id:{doc.external_id}]")
        if doc.tags:
            meta.append("// " + " ".join(f"[tag:{t}]" for t in doc.tags))
        head = f"::{escape(doc.title)}::[markdown]{escape(doc.prompt)}"
        out.append("\n".join([*meta, head + _answer_block(doc)]) + "\n")
        dropped.append(dropped_fields(doc))
    return "\n".join(out), dropped
