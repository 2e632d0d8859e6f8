"""Parametrised-question generators: named, versioned functions shipped with the app.

`get(name, version)` finds one; `catalogue()` lists the newest version of each for the authoring page.
"""

from __future__ import annotations

from app.questions.generators import evaluation, maths, optimisation, probability, supervised, theory
from app.questions.generators.base import REGISTRY, Generator, Instance, Part, RangeError

__all__ = ["Generator", "Instance", "Part", "RangeError", "catalogue", "get"]
_AREAS = (optimisation, supervised, evaluation, probability, theory, maths)  # imported to register


def get(name: str, version: int | None = None) -> Generator | None:
    """Generator `name` at `version` (the newest when None), or None when the app has no such one."""
    versions = REGISTRY.get(name)
    if not versions:
        return None
    return versions.get(max(versions) if version is None else version)


def catalogue() -> list[Generator]:
    """The newest version of every generator, by area then title."""
    newest = [versions[max(versions)] for versions in REGISTRY.values()]
    return sorted(newest, key=lambda g: (g.area, g.title))
