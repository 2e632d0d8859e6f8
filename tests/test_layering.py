"""The domain order, checked on every import in app/ (issue 15 item 9).

    base (config, db, errors, resources, migrate, kit, events)
      ← web ← auth ← questions ← interviews ← reviews
      ← analytics, imports, admin, home, booking ← calibration, live ← practice
      ← composition roots (main, routers, runtime, cli, models, seeding, asgi)

A module may import its own package and anything in a lower layer; nothing above it, nor a
sibling of its own layer (analytics does not import admin). Ruff's
banned-api rule (flake8-tidy-imports) bans a name for the whole project, not per importing
package (astral-sh/ruff#7696), so the rule lives here: the test walks every import statement
(lazy ones inside functions too) with `ast`.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"

LAYERS: list[set[str]] = [
    {"config", "db", "errors", "resources", "migrate", "kit", "events", "budget", "embedded"},
    {"web"},
    {"auth"},
    {"questions"},
    {"interviews"},
    {"reviews"},
    {"analytics", "imports", "admin", "home", "booking"},
    {"calibration", "live"},
    {"practice"},
    {"main", "routers", "runtime", "cli", "models", "seeding", "asgi"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
TOP = len(LAYERS) - 1  # the composition roots may import one another (as the base modules may)

# Upward imports that exist today, each with why; the list only shrinks (the test fails when one
# goes away so that it is deleted here too).
KNOWN: dict[tuple[str, str], str] = {
    ("imports/commands.py", "models"): "a command-line entry: registers every table before it runs",
}


def _unit(module: str) -> str | None:
    """`app.reviews.models` → "reviews"; `app.db` → "db"; not ours → None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return found


@functools.cache  # the same files for the two tests that read it: walked once per run
def _upward() -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP).as_posix()
        own = rel.split("/")[0].removesuffix(".py")
        if own == "__init__":
            continue
        assert own in RANK, f"app/{rel}: its package {own!r} has no layer in tests/test_layering.py"
        for module, line in _imports(path):
            target = _unit(module)
            if target is None or target == own:
                continue
            assert target in RANK, f"app/{rel}:{line} imports {module}, which has no layer"
            sideways = RANK[target] == RANK[own] and RANK[own] not in (0, TOP)
            if RANK[target] > RANK[own] or sideways:
                out.setdefault((rel, target), []).append(f"app/{rel}:{line} imports {module}")
    return out


def test_no_module_imports_a_higher_layer() -> None:
    found = _upward()
    new = [line for key, lines in found.items() if key not in KNOWN for line in lines]
    assert not new, "upward (or sideways) imports:\n" + "\n".join(new)


def test_the_known_exceptions_still_exist() -> None:
    gone = [f"{rel} → {target}" for rel, target in KNOWN if (rel, target) not in _upward()]
    assert not gone, "remove these from KNOWN in tests/test_layering.py: " + ", ".join(gone)


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: a questions module importing reviews is reported."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from app.reviews.models import Review\n", encoding="utf-8")
    ((module, _line),) = _imports(probe)
    assert _unit(module) == "reviews" and RANK["reviews"] > RANK["questions"]


def _makes_router(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == "APIRouter") or (
                isinstance(f, ast.Attribute) and f.attr == "APIRouter"
            ):
                return True
    return False


def _route_module(name: str) -> bool:
    return name in ("routes", "api") or name.startswith("routes_")


def test_route_modules_follow_one_vocabulary() -> None:
    """In a domain package `routes.py`/`routes_<part>.py` hold pages and `api.py` the JSON API (issue
    15 item 9): exactly those modules make a router, and no other module is named like a route
    module (the autosave's pure-ASGI handler is `interviews/autosave.py`). The top-level composition
    roots (`routers.py`, `db.py`'s `SessionRoute`) are not domain modules."""
    wrong = []
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP)
        if len(rel.parts) == 1 or "_data" in rel.parts:
            continue
        name = path.stem
        if _makes_router(path) != _route_module(name):
            wrong.append(f"{rel}: {'makes a router' if _makes_router(path) else 'makes no router'}")
        elif "route" in name and not _route_module(name):
            wrong.append(f"{rel}: named like a route module but is not one")
    assert not wrong, "\n".join(wrong)
