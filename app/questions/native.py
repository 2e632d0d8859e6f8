"""The native question document: one schema for seed files, JSON import/export and the API.

Pure module. `QuestionDoc` holds everything a question version holds; validation here is
the single place the rules for a well-formed question live (the service adds topic checks).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, model_validator

from app.questions import kinds
from app.questions.kinds import Kind as Kind
from app.questions.kinds.choice import Option as Option
from app.questions.kinds.matching import MAX_PAIRS
from app.questions.kinds.matching import MatchPair as MatchPair
from app.questions.kinds.numeric import NumericAnswer as NumericAnswer
from app.questions.kinds.parametrised import ParametrisedSpec as ParametrisedSpec

FORMAT_VERSION = 1
# Characters XML 1.0 cannot hold at all (not even as &#11;): a question holding one would make the
# whole Moodle XML export unreadable. A vertical tab or form feed comes with text pasted from a
# word processor. Refused on the way in; `STORED` documents (read back from the database) skip it.
XML_ILLEGAL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
STORED = {"stored": True}


def _has_control_character(value: Any) -> bool:
    """The quick check, run on every document validated (an import validates thousands): a loop
    over a stack, not a recursion of generators (~3 % of a document's validation, against ~17 %)."""
    stack, search = [value], XML_ILLEGAL.search
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if search(item):
                return True
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def control_character(value: Any, path: str = "") -> str | None:
    """A message for the first text in `value` (dicts, lists, strings) with a character XML cannot hold."""
    if not path and not _has_control_character(value):
        return None
    if isinstance(value, str):
        if m := XML_ILLEGAL.search(value):
            where = f"{path} " if path else ""
            return (
                f"{where}contains a control character (U+{ord(m.group()):04X}) at position "
                f"{m.start() + 1}, which no export format can carry: remove it"
            )
    elif isinstance(value, dict):
        for k, v in value.items():
            if msg := control_character(v, f"{path}.{k}" if path else str(k)):
                return msg
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if msg := control_character(v, f"{path}.{i}" if path else str(i)):
                return msg
    return None


ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
TopicPath = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}/[a-z0-9][a-z0-9-]{0,62}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Level(_Strict):
    points: float = Field(ge=0)
    descriptor: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]


class Criterion(_Strict):
    name: ShortText
    points: float = Field(gt=0)
    levels: list[Level] = Field(min_length=2, max_length=10)

    @model_validator(mode="after")
    def _levels_fit(self) -> Criterion:
        pts = [lv.points for lv in self.levels]
        if pts != sorted(pts) or len(set(pts)) != len(pts):
            raise ValueError(f"criterion '{self.name}': levels must have strictly increasing points")
        if pts[-1] != self.points:
            raise ValueError(f"criterion '{self.name}': the top level must be worth {self.points} points")
        return self


class Misconception(_Strict):
    code: Slug
    label: ShortText
    description: LongText = ""


class Rubric(_Strict):
    criteria: list[Criterion] = Field(default_factory=list, max_length=20)
    key_points: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)]
    ] = Field(default_factory=list, max_length=30)
    misconceptions: list[Misconception] = Field(default_factory=list, max_length=30)
    notes: LongText = ""

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.criteria)


class FollowUp(_Strict):
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
    expected_answer: LongText = ""


class Provenance(_Strict):
    origin: Literal["original", "imported"] = "original"
    source_url: str | None = Field(default=None, max_length=2_000)
    licence: str | None = Field(default=None, max_length=200)
    attribution: str | None = Field(default=None, max_length=1_000)


class QuestionDoc(_Strict):
    """One question version as a document (no ids, no status history)."""

    external_id: Slug | None = None
    topic: TopicPath
    title: ShortText
    kind: Kind
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    reference_answer: LongText = ""
    options: list[Option] = Field(default_factory=list, max_length=12)
    negative_marks: bool = False
    numeric: NumericAnswer | None = None
    # parametrised questions: the generator's name and version and the author's parameter ranges
    parametrised: ParametrisedSpec | None = None
    pairs: list[MatchPair] = Field(default_factory=list, max_length=MAX_PAIRS)
    rubric: Rubric = Field(default_factory=Rubric)
    follow_ups: list[FollowUp] = Field(default_factory=list, max_length=10)
    hints: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]] = (
        Field(default_factory=list, max_length=10)
    )
    difficulty: int = Field(ge=1, le=3)
    estimated_minutes: int = Field(default=5, ge=1, le=120)
    tags: list[Slug] = Field(default_factory=list, max_length=20)
    provenance: Provenance = Field(default_factory=Provenance)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any, info: ValidationInfo) -> Any:
        if not (info.context or {}).get("stored") and (msg := control_character(data)):
            raise ValueError(msg)
        return data

    @model_validator(mode="after")
    def _kind_data(self) -> QuestionDoc:
        kind = kinds.get(self.kind)
        kind.validate(self)  # each kind's own rules (app/questions/kinds/)
        if self.parametrised is not None and self.kind != Kind.parametrised:
            raise ValueError("only a parametrised question has a generator")
        for other in kinds.all():  # and no data of another kind (negative marks are a plain flag)
            for name in other.doc_fields:
                if name not in kind.doc_fields and name != "negative_marks" and getattr(self, name):
                    raise ValueError(f"a {kind.label} question has no {name.replace('_', ' ')}")
        if len(set(self.tags)) != len(self.tags):
            raise ValueError("duplicate tag")
        return self


class TopicDoc(_Strict):
    slug: Slug
    name: ShortText
    description: LongText = ""


# An area is named and described as a topic is, and holds its topics. (A comment, not a docstring:
# it would become the description in docs/native-format.schema.json.)
class AreaDoc(TopicDoc):
    topics: list[TopicDoc]


class BankDoc(_Strict):
    """The native JSON export: a schema-versioned list of questions (and the topics they use)."""

    format_version: Literal[1] = 1
    areas: list[AreaDoc] = Field(default_factory=list)
    questions: list[QuestionDoc] = Field(default_factory=list)
