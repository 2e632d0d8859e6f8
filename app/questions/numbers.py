"""How a person types a number, the part every reader of typed numbers shares. Pure module."""

from __future__ import annotations

import math


def finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def typed_number(text: object) -> float | str | None:
    """A number field's value made ready to read: a finite int/float as a float (done), a string
    without spaces, with '−' as '-' and a lone decimal comma as a point (the caller reads what it
    allows: a fraction, a trailing unit), anything else None."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return finite(float(text))
    if not isinstance(text, str):
        return None
    s = text.strip().replace("\u2212", "-").replace(" ", "")
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    return s
