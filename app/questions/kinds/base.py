"""The interface every question kind implements. Pure module (no I/O, no database).

A kind is one module in this package (plus its template `templates/kinds/<name>.html`) and one
line in `app/questions/kinds/__init__.py`. Everything kind-specific goes through it:

- the document: which `QuestionDoc` fields hold the kind's data (`doc_fields`), the rules for
  them (`validate`), the rendered form stored in `question_version.data` (`render_data`) and
  back (`doc_values`); the editor's raw form values → document values (`editor_values`);
- the candidate: what the answer form shows (`view`; never the key), the wire field of a save
  (`answer_field`) and its parsing (`parse_answer`), grading (`grade`, pure), the key and the
  candidate's answer as the results/review/feedback pages show them (`key_text`, `outcome`);
- practice (app/practice): the practice form's fields → the stored answer (`practice_answer`, which
  refuses an empty try with `Refused`); the result shows `outcome` through the `practice_result` macro;
- the formats: GIFT and Moodle XML mapping (`gift`, `moodle`: optional; a kind without one is
  refused by that format's import and reported as dropped by its export). Native JSON is the
  document itself.

`data` is a version's stored `data` (JSONB): the output of `render_data` plus `hints_html`.
`value` is a stored answer (JSONB), the output of `parse_answer`. `seed` is the attempt item's
seed for kinds whose content depends on it (parametrised questions); other kinds ignore it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from app.questions.native import QuestionDoc

# render(field path for error messages, Markdown) → sanitised HTML; collects maths errors per field
RenderField = Callable[[str, str], str]


class Refused(ValueError):
    """A practice answer that cannot be graded: the message, shown at the form field `field`."""

    def __init__(self, message: str, field: str = "answer") -> None:
        super().__init__(message)
        self.field = field


class QuestionKind:
    """Base class of a question kind; subclasses override what differs from free text."""

    name: ClassVar[str]
    # graded automatically at finalisation (False: a mentor grades it on the rubric)
    objective: ClassVar[bool] = True
    # QuestionDoc fields that hold this kind's data; the others must stay at their defaults
    doc_fields: ClassVar[tuple[str, ...]] = ()
    # the save's field carrying an answer of this kind ("text", "choice", …): unique per kind,
    # it tells the autosave which kind the client answered (the database checks it against the item)
    answer_field: ClassVar[str]
    # True when the wire value is a list (a form posts it as repeated fields)
    answer_is_list: ClassVar[bool] = False
    # the content depends on a seed (parametrised: numbers drawn per attempt item or practice try)
    seeded: ClassVar[bool] = False
    # the editor's row lists of this kind (form path → rows always shown), e.g. {"options": 2}
    editor_lists: ClassVar[dict[str, int]] = {}

    @property
    def label(self) -> str:
        """What pages call the kind: its name in words ("free text", "single choice")."""
        return self.name.replace("_", " ")

    @property
    def template(self) -> str:
        """Jinja macros `answer`, `result`, `outcome`, `practice`, `practice_answer`, `practice_result`,
        `editor` for this kind."""
        return f"kinds/{self.name}.html"

    # ---- the document ------------------------------------------------------------------------

    def validate(self, doc: QuestionDoc) -> None:
        """Raise ValueError (a sentence for the author) when the kind's data is not well-formed."""

    def render_data(self, doc: QuestionDoc, render: RenderField) -> dict[str, Any]:
        """The kind's part of `question_version.data`, Markdown rendered once with `render`."""
        return {}

    def doc_values(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """`question_version.data` → the document fields it came from (stored HTML left behind)."""
        return {}

    def editor_values(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The editor's raw values (see app/questions/forms.py) → document field values."""
        return {}

    def editor_state(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Editor values the kind's `editor` macro needs besides its `editor_lists` (padded by the form)."""
        return {}

    # ---- the candidate -----------------------------------------------------------------------

    def view(self, data: Mapping[str, Any], *, seed: int | None = None) -> dict[str, Any]:
        """What the answer form and the results page show besides the prompt; never the key."""
        return {}

    def prompt_html(self, prompt_html: str, data: Mapping[str, Any], *, seed: int | None = None) -> str:
        """The prompt as the candidate saw it: the version's, plus what the seed adds (parametrised)."""
        return prompt_html

    def parse_answer(self, raw: Any) -> dict[str, Any]:
        """The wire value of `answer_field` → the stored answer; ValueError when it is not valid.
        By default one string, stored as it came (free text, numeric)."""
        if not isinstance(raw, str):
            raise ValueError(f"{self.answer_field} must be a string")
        return {self.answer_field: raw}

    def practice_answer(self, form: Mapping[str, Any]) -> dict[str, Any]:
        """The practice form's fields (repeated ones as lists) → the stored answer, as `parse_answer`;
        `Refused` (message, form field) when there is nothing to grade or it is not valid."""
        raw = form.get(self.answer_field)
        if self.answer_is_list and not isinstance(raw, list):
            raw = [raw] if isinstance(raw, str) else []
        try:
            return self.parse_answer(raw)
        except ValueError as exc:
            raise Refused(str(exc)) from exc

    def grade(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> float | None:
        """Score as a fraction of the item's credit in [0, 1]; None when mentors grade the kind."""
        return None

    def key_text(self, data: Mapping[str, Any], *, seed: int | None = None) -> str:
        """The right answer as plain text ("" when the page shows it otherwise, e.g. marked options)."""
        return ""

    def correct_options(self, data: Mapping[str, Any]) -> list[int]:
        """Indexes of the correct options (choice kinds; the API's `correct`)."""
        return []

    def outcome(
        self, data: Mapping[str, Any], value: Mapping[str, Any] | None, *, seed: int | None = None
    ) -> dict[str, Any]:
        """The candidate's answer as the results/review/feedback pages show it (safe HTML or plain text)."""
        return {"empty": not value}
