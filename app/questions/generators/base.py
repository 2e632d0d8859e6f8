"""What a generator is, what it returns, and how an answer to one of its instances is graded.

Pure module (no I/O, no numpy): a generator is a named, versioned Python function shipped with the
app — never code from the database. A question version stores only the generator's name, version
and the parameter ranges its author chose; the seed stored with an attempt item rebuilds exactly
the numbers, prompt, answers and worked solution the candidate saw.
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from app.questions.numbers import finite, typed_number

Ranges = dict[str, tuple[float, float]]


class RangeError(ValueError):
    """Parameter ranges a generator cannot honour (named by parameter)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class Param:
    """A declared parameter: authors may narrow [low, high] inside the hard limits [min, max]."""

    name: str
    label: str
    low: float
    high: float
    min: float
    max: float
    integer: bool = False
    # values are drawn on this grid so the prompt shows them exactly
    step: float = 1.0


@dataclass(frozen=True)
class Part:
    """One answer box: a number within a tolerance, or (choices non-empty) one of the choices."""

    key: str
    label: str
    value: float
    tolerance: float = 0.0
    mode: Literal["absolute", "relative"] = "absolute"
    decimals: int = 3
    choices: tuple[str, ...] = ()

    def shown(self) -> str:
        """The reference value as the solution shows it."""
        if self.choices:
            return self.choices[int(self.value)]
        return fmt(self.value, self.decimals)

    def accepts(self, raw: object) -> bool:
        if self.choices:
            try:
                return int(str(raw)) == int(self.value)
            except ValueError:
                return False
        x = parse_number(raw)
        if x is None:
            return False
        allowed = self.tolerance * abs(self.value) if self.mode == "relative" else self.tolerance
        return abs(x - self.value) <= allowed + 1e-9 * max(1.0, abs(self.value))


def within(
    tolerance: float,
    *boxes: tuple[str, str, float],
    mode: Literal["absolute", "relative"] = "absolute",
    decimals: int = 4,
) -> tuple[Part, ...]:
    """Number boxes `(key, label, value)` graded alike, as a question asks for "each to three decimals":
    one tolerance, one mode, the solution showing each to `decimals` places."""
    return tuple(Part(key, label, value, tolerance, mode, decimals) for key, label, value in boxes)


@dataclass(frozen=True)
class Built:
    """What a generator's function returns for one draw."""

    numbers: dict[str, Any]
    prompt: str
    parts: tuple[Part, ...]
    solution: str


@dataclass(frozen=True)
class Instance:
    generator: str
    version: int
    seed: int
    ranges: Ranges
    numbers: dict[str, Any]
    prompt: str
    parts: tuple[Part, ...]
    solution: str

    def grade(self, value: Mapping[str, Any] | None) -> float:
        """Fraction of the parts answered correctly; value is {"parts": {key: text}}."""
        given = (value or {}).get("parts")
        if not isinstance(given, Mapping) or not self.parts:
            return 0.0
        return sum(1 for p in self.parts if p.accepts(given.get(p.key))) / len(self.parts)


class Draw:
    """The random source a generator sees: values inside the author's ranges, on the declared grid."""

    # Generators redraw until the numbers are well-conditioned; ranges that make that hopeless end
    # in a RangeError instead of a request that never returns.
    BUDGET = 200_000

    def __init__(self, rng: random.Random, params: Mapping[str, Param], ranges: Ranges) -> None:
        self.rng = rng
        self._params = params
        self._ranges = ranges
        self._left = self.BUDGET

    def param(self, name: str) -> float:
        p = self._params[name]
        lo, hi = self._ranges[name]
        return self.grid(lo, hi, p.step)

    def int_param(self, name: str) -> int:
        return round(self.param(name))

    def grid(self, lo: float, hi: float, step: float) -> float:
        """A value k·step in [lo, hi], uniformly over the grid points."""
        self._left -= 1
        if self._left < 0:
            raise RangeError({"ranges": "these ranges leave no well-conditioned draw; widen them"})
        first = math.ceil(lo / step - 1e-9)
        last = math.floor(hi / step + 1e-9)
        k = self.rng.randint(first, max(first, last))
        return round(k * step, 10)

    def nonzero(self, lo: float, hi: float, step: float) -> float:
        while True:
            x = self.grid(lo, hi, step)
            if x != 0:
                return x


@dataclass(frozen=True)
class Generator:
    name: str
    version: int
    area: str  # slug of the topic area
    title: str
    summary: str
    params: tuple[Param, ...]
    build: Callable[[Draw], Built] = field(repr=False)

    def default_ranges(self) -> Ranges:
        return {p.name: (p.low, p.high) for p in self.params}

    def check_ranges(self, ranges: Mapping[str, Any] | None) -> Ranges:
        """The author's ranges completed with defaults; RangeError names what is out of bounds."""
        out = self.default_ranges()
        problems: dict[str, str] = {}
        known = {p.name: p for p in self.params}
        for name, pair in (ranges or {}).items():
            p = known.get(name)
            if p is None:
                problems[name] = "no such parameter"
                continue
            try:
                lo, hi = (float(pair[0]), float(pair[1]))
            except (TypeError, ValueError, IndexError, KeyError):
                problems[name] = "give two numbers, low and high"
                continue
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
                problems[name] = "low must not exceed high"
            elif lo < p.min or hi > p.max:
                problems[name] = f"must stay within {fmt(p.min, 6)} … {fmt(p.max, 6)}"
            elif math.floor(hi / p.step + 1e-9) < math.ceil(lo / p.step - 1e-9):
                problems[name] = f"contains no multiple of {fmt(p.step, 6)}"
            else:
                out[name] = (lo, hi)
        if problems:
            raise RangeError(problems)
        return out

    def instance(self, seed: int, ranges: Mapping[str, Any] | None = None) -> Instance:
        """The same (seed, ranges) always gives the same numbers, prompt, answers and solution."""
        checked = self.check_ranges(ranges)
        # a string seed is hashed with SHA-512 by `random`: stable across processes and Python runs
        rng = random.Random(f"{self.name}/{self.version}/{seed}")
        built = self.build(Draw(rng, {p.name: p for p in self.params}, checked))
        return Instance(
            self.name, self.version, seed, checked, built.numbers, built.prompt, built.parts, built.solution
        )


def fmt(x: float, decimals: int = 3) -> str:
    """A number as prompts show it: rounded, no trailing zeros, never "-0"."""
    s = f"{x:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def parse_number(text: object) -> float | None:
    """A number as a person types it: spaces, a leading '+', a decimal comma, a minus sign, a fraction."""
    s = typed_number(text)
    if not isinstance(s, str):
        return s
    try:
        if s.count("/") == 1:
            num, den = s.split("/")
            return finite(float(num) / float(den))
        return finite(float(s))
    except (ValueError, ZeroDivisionError):
        return None


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def vec(values: list[float], decimals: int = 3) -> str:
    """A column vector in LaTeX."""
    return r"\begin{pmatrix}" + r" \\ ".join(fmt(v, decimals) for v in values) + r"\end{pmatrix}"


def mat(rows: list[list[float]], decimals: int = 3) -> str:
    """A matrix in LaTeX."""
    body = r" \\ ".join(" & ".join(fmt(v, decimals) for v in row) for row in rows)
    return r"\begin{pmatrix}" + body + r"\end{pmatrix}"


# name -> version -> generator; filled by the area modules when the package is imported
REGISTRY: dict[str, dict[int, Generator]] = {}

Build = Callable[[Draw], Built]


@dataclass(frozen=True)
class Area:
    """The decorator of one topic area's generators: `generator = Area("optimisation")` in the area
    module, then `@generator(Param(...), ...)` on each function.

    A generator states only what is its own: its parameters there (and `version=` from version 2 on;
    the first is version 1), its title (the first line of the docstring) and summary (the rest, lines
    joined) in the docstring, and its name as the function's name (`name=` when they differ, e.g.
    `@generator(..., version=2, name="newton_step")` on `def newton_step_v2`). A name/version pair is
    never reused.
    """

    slug: str

    def __call__(self, *params: Param, version: int = 1, name: str | None = None) -> Callable[[Build], Build]:
        def wrap(build: Build) -> Build:
            if not build.__doc__:
                raise ValueError(f"generator {build.__name__} needs a docstring (title, summary; not -OO)")
            title, *rest = inspect.cleandoc(build.__doc__).splitlines()
            summary = " ".join(line for line in rest if line)
            key = name or build.__name__
            versions = REGISTRY.setdefault(key, {})
            if version in versions:
                raise ValueError(f"generator {key} v{version} registered twice")
            versions[version] = Generator(key, version, self.slug, title, summary, params, build)
            return build

        return wrap
