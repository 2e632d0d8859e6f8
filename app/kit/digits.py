"""Numbers typed into forms and query strings.

`str.isdigit()` is true for "²" and "٣", which `int()` refuses ("²") or reads as a digit of
another script ("٣"): a form that guarded `int(x)` with `x.isdigit()` answered 500. Read a whole
number here instead: ASCII digits only, else None (the caller's own "invalid" path).
"""

from __future__ import annotations

MAX_DIGITS = 18  # fits a bigint


def whole_number(raw: object, *, below: int | None = None) -> int | None:
    """`raw` (surrounding spaces allowed) as a non-negative int, or None if it is not one (or is not
    below `below`)."""
    if not isinstance(raw, str):
        return None
    s = raw.strip()
    if not (s and len(s) <= MAX_DIGITS and s.isascii() and s.isdigit()):
        return None
    n = int(s)
    return n if below is None or n < below else None
