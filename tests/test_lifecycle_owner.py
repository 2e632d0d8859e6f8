"""States have one owner: `attempt.state` changes only in app/interviews/lifecycle.py and
`review.status` only in app/reviews/lifecycle.py (`adjudication.status`: app/reviews/adjudication_lifecycle.py). This reads every module of app/ (AST and SQL
strings) and fails on a write of either column anywhere else, so it stays true. The conditional
UPDATE itself is built by app/kit/lifecycle.py (`move`), which only the lifecycle modules import.

Writes looked for: `.values(state=…)` / `.values(status=…)` on update()/insert() of Attempt or
Review, `Attempt(state=…)` / `Review(status=…)`, an assignment to `<x>.state` / `<review>.status`,
and SQL text that sets them (`UPDATE attempt SET … state =`, `INSERT INTO review (… status …)`,
`ON CONFLICT … SET status =`). The synthetic history generator (app/analytics/synthetic.py)
inserts finished rows in bulk from dicts, which this does not look at: it seeds, it does not
move an attempt from one state to another.
"""

from __future__ import annotations

import ast
import re

from app.config import ROOT
from app.interviews.lifecycle import TRANSITIONS as ATTEMPT_TRANSITIONS
from app.interviews.lifecycle import AttemptState
from app.interviews.models import Attempt
from app.reviews.adjudication_lifecycle import TRANSITIONS as ADJUDICATION_TRANSITIONS
from app.reviews.adjudication_lifecycle import AdjudicationStatus
from app.reviews.lifecycle import TRANSITIONS as REVIEW_TRANSITIONS
from app.reviews.lifecycle import ReviewStatus
from app.reviews.models import Adjudication, Review

OWNERS = {"app/interviews/lifecycle.py", "app/reviews/lifecycle.py", "app/reviews/adjudication_lifecycle.py"}
COLUMNS = {"Attempt": "state", "Review": "status", "Adjudication": "status"}
TABLES = {"attempt": "state", "review": "status", "adjudication": "status"}

_SQL_UPDATE = re.compile(
    r"\bUPDATE\s+(?P<table>\w+)\b(?:\s+(?:AS\s+)?\w+)?\s+SET\s+(?P<sets>.*?)(?=\bWHERE\b|\bRETURNING\b|\bFROM\b|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_SQL_INSERT = re.compile(r"\bINSERT\s+INTO\s+(?P<table>\w+)\s*\((?P<cols>[^)]*)\)", re.IGNORECASE)
_SQL_UPSERT = re.compile(
    r"\bON\s+CONFLICT\b.*?\bDO\s+UPDATE\s+SET\s+(?P<sets>.*?)(?=\bWHERE\b|\bRETURNING\b|\Z)", re.I | re.S
)


def _sql_writes(sql: str) -> list[str]:
    found = []
    for m in _SQL_UPDATE.finditer(sql):
        column = TABLES.get(m["table"].lower())
        if column and re.search(rf"(?<![\w.]){column}\s*=", m["sets"], re.I):
            found.append(f"UPDATE {m['table']} SET {column}")
    for m in _SQL_INSERT.finditer(sql):
        column = TABLES.get(m["table"].lower())
        if column and re.search(rf"\b{column}\b", m["cols"], re.I):
            found.append(f"INSERT INTO {m['table']} ({column})")
            for u in _SQL_UPSERT.finditer(sql):
                if re.search(rf"(?<![\w.]){column}\s*=", u["sets"], re.I):
                    found.append(f"ON CONFLICT SET {column}")
    return found


def _root_model(node: ast.AST) -> str | None:
    """The model of `update(X)`/`insert(X)` at the root of a method chain, if any."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in ("update", "insert") and node.args:
                arg = node.args[0]
                return arg.id if isinstance(arg, ast.Name) else None
            node = f
        else:
            node = node.value
    return None


def writes_in(source: str) -> list[str]:
    """Every write of an owned state column in a module's source (line: what)."""
    found: list[str] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"{line}: {w}" for w in _sql_writes(node.value)]
        elif isinstance(node, ast.Call):
            f = node.func
            keys = {k.arg for k in node.keywords}
            for arg in node.args:
                if isinstance(arg, ast.Dict):
                    keys |= {k.value for k in arg.keys if isinstance(k, ast.Constant)}
            if isinstance(f, ast.Attribute) and f.attr == "values":
                model = _root_model(f.value)
                if model in COLUMNS and COLUMNS[model] in keys:
                    found.append(f"{line}: {model}.{COLUMNS[model]} in .values()")
            if isinstance(f, ast.Name) and f.id in COLUMNS and COLUMNS[f.id] in keys:
                found.append(f"{line}: {f.id}({COLUMNS[f.id]}=…)")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if not isinstance(t, ast.Attribute):
                    continue
                owner = ast.unparse(t.value).lower()
                if (t.attr == "state" and "attempt" in owner) or (
                    t.attr == "status" and ("review" in owner or "adjudication" in owner)
                ):
                    found.append(f"{line}: assignment to {ast.unparse(t)}")
    return found


def test_only_the_lifecycle_modules_write_state() -> None:
    assert all((ROOT / owner).is_file() for owner in OWNERS)
    offenders = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in OWNERS:
            continue
        if found := writes_in(path.read_text(encoding="utf-8")):
            offenders[rel] = found
    assert offenders == {}, "state changes belong in the lifecycle modules"


def imports_the_mechanism(source: str) -> bool:
    """Does a module import app/kit/lifecycle.py (whose `move` writes any state column it is given)?"""
    if "lifecycle" not in source:
        return False
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (
            node.module == "app.kit.lifecycle"
            or (node.module == "app.kit" and any(a.name == "lifecycle" for a in node.names))
        ):
            return True
        if isinstance(node, ast.Import) and any(a.name == "app.kit.lifecycle" for a in node.names):
            return True
    return False


def test_only_the_lifecycle_modules_use_the_transition_mechanism() -> None:
    users = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "app").rglob("*.py")
        if imports_the_mechanism(path.read_text(encoding="utf-8"))
    }
    assert users == OWNERS | {"app/live/lifecycle.py"}
    assert imports_the_mechanism("from app.kit import clock, lifecycle")
    assert imports_the_mechanism("import app.kit.lifecycle")
    assert not imports_the_mechanism("from app.kit import clock")


def test_the_detector_finds_each_kind_of_write() -> None:
    """The check above is not vacuous: each way of writing a state is recognised."""
    sample = """
q = text("UPDATE attempt SET finished_at = :now, state = 'expired' WHERE state = 'in_progress'")
r = text("UPDATE review SET status = 'released' WHERE id = :id")
c = text("INSERT INTO review (id, status) VALUES (:id, 'claimed') ON CONFLICT (id) DO UPDATE SET status = 'claimed'")
update(Attempt).where(Attempt.id == i).values(state="reviewed")
update(Review).where(Review.id == i).values({"status": "submitted"})
Attempt(id=i, state="submitted")
attempt.state = "released"
review.status = "claimed"
"""
    found = writes_in(sample)
    assert len(found) == 9, found
    harmless = """
q = text("UPDATE attempt SET deadline_at = :d WHERE state = 'in_progress' RETURNING state")
update(InterviewFormat).values(status="published")
update(Attempt).where(Attempt.state == "in_progress").values(current_position=1)
request.state.user = None
question.status = "published"
"""
    assert writes_in(harmless) == []


def test_the_enums_match_the_check_constraints_and_the_transition_tables() -> None:
    def check_values(model: type, column: str) -> set[str]:
        for c in model.__table__.constraints:  # type: ignore[attr-defined]
            sql = str(getattr(c, "sqltext", ""))
            if sql.startswith(f"{column} IN"):
                return set(re.findall(r"'(\w+)'", sql))
        raise AssertionError(f"no CHECK on {column}")

    assert check_values(Attempt, "state") == {s.value for s in AttemptState}
    assert check_values(Review, "status") == {s.value for s in ReviewStatus}
    reached = {t.to for t in ATTEMPT_TRANSITIONS.values()} | {AttemptState.in_progress}
    assert reached == set(AttemptState)  # every state is reachable
    assert {t.to for t in REVIEW_TRANSITIONS.values()} == set(ReviewStatus)
    assert check_values(Adjudication, "status") == {s.value for s in AdjudicationStatus}
    assert {t.to for t in ADJUDICATION_TRANSITIONS.values()} == set(AdjudicationStatus)
