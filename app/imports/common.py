"""What every parser produces: questions as native documents plus the problems found, with places.

Pure module. A parser never raises on bad content: it returns `Parsed` items whose `problems`
say what is wrong and where (a GIFT line, an XML element path, a JSON pointer-like path).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.questions.native import AreaDoc, QuestionDoc

DEFAULT_CATEGORY = ("Imported", "Uncategorised")
# Moodle context prefixes in category paths: "$course$/top/…", "$system$/…", "$module$/…"
_CONTEXT = re.compile(r"^\$[a-z]+\$$")
MAX_CATEGORY_CHARS = 1_000
MAX_NAME_CHARS = 200
MAX_SLUG_CHARS = 63
DEFAULT_DIFFICULTY = 2


@dataclass
class Problem:
    where: str  # "line 12", "/quiz/question[3]/answer[2]", "questions[4]" or "file"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Category:
    """A category path mapped to (area name, topic name); `problem` when it cannot be used."""

    area: str
    topic: str
    where: str
    problem: str | None = None

    @property
    def path(self) -> str:
        return f"{slugify(self.area)}/{slugify(self.topic)}"


@dataclass
class Parsed:
    """One question as read from the file."""

    index: int  # 1-based position among the file's questions
    where: str
    title: str
    kind: str
    doc: QuestionDoc | None
    category: Category | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ParseResult:
    format: str
    items: list[Parsed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # file-level
    areas: list[AreaDoc] = field(default_factory=list)  # native JSON only
    notes: list[Problem] = field(default_factory=list)  # skipped on purpose (Moodle descriptions)
    # the reader stopped at `limit` + 1 questions (parse(..., limit=)): the file has more than the limit
    more: bool = False

    def full(self, limit: int | None) -> bool:
        """True (and `more` set) once the items are past `limit`: the reader stops there."""
        self.more = limit is not None and len(self.items) > limit
        return self.more


class FormatError(Exception):
    """A problem inside one question, with the offset into its text (GIFT) or a sub-path (XML)."""

    def __init__(self, message: str, at: int | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def category_from_path(path: str, where: str) -> Category:
    """`$course$/top/Optimisation/Gradient descent` → area "Optimisation", topic "Gradient descent".

    The last two segments become area and topic (deeper Moodle trees are flattened); a single
    segment becomes its area's "General" topic; an empty path is "Imported/Uncategorised".
    Moodle writes a "/" inside a name as "//".
    """
    text = path.strip()
    if len(text) > MAX_CATEGORY_CHARS:
        return Category(
            *DEFAULT_CATEGORY,
            where,
            f"category path too long ({len(text)} characters; max {MAX_CATEGORY_CHARS})",
        )
    segments = [s.replace("//", "/").strip() for s in re.split(r"(?<!/)/(?!/)", text)]
    segments = [s for s in segments if s]
    if segments and _CONTEXT.match(segments[0]):
        segments = segments[1:]
    if segments and segments[0] == "top":
        segments = segments[1:]
    if not segments:
        return Category(*DEFAULT_CATEGORY, where)
    area, topic = (segments[-2], segments[-1]) if len(segments) >= 2 else (segments[0], "General")
    for name in (area, topic):
        slug = slugify(name)
        if len(name) > MAX_NAME_CHARS or len(slug) > MAX_SLUG_CHARS:
            return Category(
                *DEFAULT_CATEGORY,
                where,
                f"category path too long: the name {name[:40]!r}… is over {MAX_SLUG_CHARS} characters",
            )
        if not slug:
            return Category(*DEFAULT_CATEGORY, where, f"category name {name!r} has no letters or digits")
    return Category(area, topic, where)


def slug_or_none(text: str) -> str | None:
    slug = slugify(text)[:MAX_SLUG_CHARS].strip("-")
    return slug or None


def validation_messages(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


def build_doc(data: dict[str, Any]) -> tuple[QuestionDoc | None, list[str]]:
    """Validate a parser's dict as a QuestionDoc; the messages name the field that failed."""
    try:
        return QuestionDoc.model_validate(data), []
    except ValidationError as exc:
        return None, validation_messages(exc)


def lossy_doc(
    index: int,
    category: Category,
    *,
    title: str,
    prompt: str,
    external_id: str | None,
    tags: list[str],
    fields: dict[str, Any],
) -> tuple[str, QuestionDoc | None, list[str]]:
    """A GIFT/XML question as a document (topic from its category, a title when it has none, the
    default difficulty): its title, the document (None when invalid) and the validation messages."""
    data: dict[str, Any] = {
        "external_id": external_id,
        "topic": category.path if not category.problem else "imported/uncategorised",
        "title": title or title_from(prompt) or f"Question {index}",
        "prompt": prompt,
        "difficulty": DEFAULT_DIFFICULTY,
        "tags": tags,
        **fields,
    }
    doc, messages = build_doc(data)
    return data["title"], doc, messages


def title_from(text: str, limit: int = 80) -> str:
    plain = re.sub(r"\s+", " ", re.sub(r"[*_`#>$\\]", "", text)).strip()
    if len(plain) <= limit:
        return plain
    return plain[: limit - 1].rsplit(" ", 1)[0] + "…"


def fmt_number(x: float) -> str:
    """Short text for a number ("3", "0.5", "33.33333"), without binary float noise (12 significant digits)."""
    x = float(f"{x:.12g}")
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def accepted_answers(answers: list[tuple[str, float, str]]) -> str:
    """Short-answer alternatives as a Markdown list for a free-text reference answer."""
    lines = ["Accepted answers:", ""]
    for text, weight, feedback in answers:
        credit = "" if weight >= 100 else f" ({fmt_number(weight)} % credit)"
        tail = f" — {feedback}" if feedback else ""
        lines.append(f"- {text}{credit}{tail}")
    return "\n".join(lines)


NumericAnswerRow = tuple[
    float | None, float, float, str
]  # value (None: any other), tolerance, credit %, feedback


def best_numeric(answers: list[NumericAnswerRow]) -> tuple[NumericAnswerRow, str]:
    """The highest-credit numeric answer, and the others as a Markdown list for the reference answer."""
    scored = [a for a in answers if a[0] is not None]
    if not scored:
        raise FormatError("a numeric question needs an answer")
    best = max(scored, key=lambda a: a[2])
    others = [
        f"- {fmt_number(v)} ± {fmt_number(t)} ({fmt_number(w)} % credit)" + (f" — {f}" if f else "")
        if v is not None
        else f"- any other answer — {f}"
        for v, t, w, f in answers
        if (v, t, w, f) != best and (v is not None or f)
    ]
    return best, "\n".join(["Other answers:", "", *others]) if others else ""


def join_paragraphs(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def effective_weights(doc: QuestionDoc) -> list[float]:
    """Each option's percent of the credit, with the documented defaults filled in."""
    n_right = sum(o.correct for o in doc.options) or 1
    n_wrong = (len(doc.options) - n_right) or 1
    out = []
    for o in doc.options:
        if o.weight is not None:
            out.append(o.weight)
        elif o.correct:
            out.append(100 / n_right)
        else:
            out.append(-100 / n_wrong if doc.negative_marks else 0.0)
    return out


def is_true_false(doc: QuestionDoc) -> bool:
    # exactly "True"/"False", as both parsers write them: options "TRUE"/"FALSE" stay a choice
    return doc.kind == "single_choice" and sorted(o.text for o in doc.options) == ["False", "True"]


def dropped_fields(doc: QuestionDoc, *, keeps_notes: bool = False, keeps_hints: bool = False) -> list[str]:
    """Which fields of a document a GIFT/XML export cannot hold."""
    out = []
    if doc.parametrised is not None:
        out.append("generator name, version and parameter ranges (parametrised questions leave as essays)")
    r = doc.rubric
    if r.criteria:
        out.append("rubric criteria")
    if r.key_points:
        out.append("rubric key points")
    if r.misconceptions:
        out.append("misconceptions")
    if r.notes and not (keeps_notes and doc.kind == "free_text"):
        out.append("rubric notes")
    if doc.follow_ups:
        out.append("follow-ups")
    if doc.hints and not keeps_hints:
        out.append("hints")
    if doc.numeric and doc.numeric.unit and not keeps_notes:
        out.append("units")
    if doc.numeric and doc.numeric.tolerance_mode == "relative":
        out.append("relative tolerances (written as absolute)")
    out += ["difficulty", "estimated minutes"]
    if doc.provenance.origin != "original" or doc.provenance.source_url or doc.provenance.licence:
        out.append("provenance")
    if doc.negative_marks and doc.kind == "single_choice":
        out.append("negative marks")
    return out


# The kinds GIFT and Moodle XML write (parametrised as an essay with its introduction); a question
# of a kind added later without a mapping is left out of their exports and listed as dropped.
CARRIED_KINDS = frozenset(
    {"free_text", "single_choice", "multiple_choice", "numeric", "matching", "parametrised"}
)


def not_carried(doc: QuestionDoc) -> list[str] | None:
    """What an export says instead of writing a question whose kind the format cannot carry."""
    return None if doc.kind in CARRIED_KINDS else [f"{doc.kind.replace('_', ' ')} questions (left out)"]


def carried(
    docs: Iterable[QuestionDoc], topic_names: dict[str, tuple[str, str]], dropped: list[list[str]]
) -> Iterator[tuple[QuestionDoc, str | None]]:
    """The documents a GIFT/XML export writes, each with its category path ("Area/Topic", slashes
    doubled) when it starts a new topic; a kind the format cannot carry goes into `dropped` instead."""
    current_topic = None
    for doc in docs:
        if (left_out := not_carried(doc)) is not None:
            dropped.append(left_out)
            continue
        path = None
        if doc.topic != current_topic:
            area, topic = topic_names.get(doc.topic, tuple(doc.topic.split("/")))
            path = "/".join(n.replace("/", "//") for n in (area, topic))
            current_topic = doc.topic
        yield doc, path


def summarise_dropped(per_question: list[list[str]]) -> list[str]:
    """ "rubric criteria (12 questions)", … in first-seen order."""
    counts: dict[str, int] = {}
    for fields in per_question:
        for f in fields:
            counts[f] = counts.get(f, 0) + 1
    return [f"{name} ({n} question{'s' if n != 1 else ''})" for name, n in counts.items()]


# Moodle's grade list (question/format.php, get_grade_options): the only fractions it stores.
MOODLE_FRACTIONS = (
    100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
    12.5, 11.11111, 10, 5, 0,
)  # fmt: skip


def check_fraction(value: float, written: str) -> None:
    """Moodle accepts only the fractions of its grade list (and their negatives)."""
    if not any(abs(abs(value) - f) < 0.0005 for f in MOODLE_FRACTIONS):
        allowed = ", ".join(fmt_number(f) for f in MOODLE_FRACTIONS[:-1])
        raise FormatError(f"the grade {written} is not one Moodle allows ({allowed}, 0 or their negatives)")


def check_choice_grades(options: list[dict[str, Any]], *, single: bool) -> None:
    """A single-choice question needs a 100 % answer; multiple-choice positive grades add up to 100 %."""
    if single:
        if not any(o["correct"] for o in options):
            raise FormatError("a single-choice question needs one answer worth 100 %")
        return
    total = sum(o["weight"] for o in options if o["weight"] and o["weight"] > 0)
    if abs(total - 100) > 0.01:
        raise FormatError(
            f"the positive grades of a multiple-choice question add up to {fmt_number(round(total, 5))} %, not 100 %"
        )


_IMAGE = re.compile(r"<img\b|!\[[^\]]*\]\(", re.I)


def media_warning(raw: str, files: int = 0) -> str | None:
    """A per-question warning when the source has images (mlmock does not store media yet)."""
    # an <img> usually points at an embedded <file> through @@PLUGINFILE@@: count each picture once
    count = max(len(_IMAGE.findall(raw)), raw.count("@@PLUGINFILE@@"), files)
    if not count:
        return None
    return (
        f"{count} image{'s' if count != 1 else ''} or embedded file{'s' if count != 1 else ''} not imported "
        "(mlmock does not store media yet): the text keeps an [image] placeholder; add the picture by hand"
    )
