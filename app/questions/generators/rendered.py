"""A generator instance rendered to HTML (Markdown + LaTeX → MathML, like any version).

Rendering costs milliseconds of CPU, and the same (generator, version, seed, ranges) is shown on
the attempt, results, review and feedback pages: keep recent renderings in a per-process LRU. This
is a cache of a pure function (same input, same output), not state: any process renders the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.questions import generators
from app.questions.generators.base import Instance, Part
from app.questions.rendering import render_markdown


@dataclass(frozen=True)
class Rendered:
    instance: Instance
    prompt_html: str
    solution_html: str

    @property
    def parts(self) -> tuple[Part, ...]:
        return self.instance.parts


class UnknownGenerator(LookupError):
    pass


def spec_key(spec: dict[str, Any]) -> tuple[str, int, str]:
    """A hashable key for a stored spec {"generator", "version", "ranges"}."""
    return (
        str(spec.get("generator")),
        int(spec.get("version") or 0),
        json.dumps(spec.get("ranges") or {}, sort_keys=True),
    )


@lru_cache(maxsize=1024)  # ~10 kB of HTML each: bounded at ~10 MB per process
def _render(name: str, version: int, ranges_json: str, seed: int) -> Rendered:
    gen = generators.get(name, version)
    if gen is None:
        raise UnknownGenerator(f"{name} v{version}")
    inst = gen.instance(seed, json.loads(ranges_json))
    return Rendered(inst, render_markdown(inst.prompt), render_markdown(inst.solution))


def render(spec: dict[str, Any], seed: int) -> Rendered:
    """The instance of `spec` for `seed`, rendered (cached)."""
    name, version, ranges_json = spec_key(spec)
    return _render(name, version, ranges_json, seed)
