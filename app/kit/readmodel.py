"""Read models (pydantic models, dataclasses) filled from a result row or an ORM object."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def field_names(cls: type[Any]) -> tuple[str, ...]:
    """The fields of a pydantic model or a dataclass, in order (found once per class)."""
    names = _FIELDS.get(cls)
    if names is None:
        if issubclass(cls, BaseModel):
            names = tuple(cls.model_fields)
        else:
            names = tuple(f.name for f in dataclasses.fields(cls))
        _FIELDS[cls] = names
    return names


def read_model(cls: type[T], source: object, /, **computed: Any) -> T:
    """`cls` with each field the caller does not compute taken from the source's attribute of the
    same name (a row's column, an ORM column). A field the source lacks keeps its default; a
    required one missing is an error, as it would be in a constructor call."""
    values = computed.copy()
    for name in field_names(cls):
        if name not in computed and (value := getattr(source, name, _MISSING)) is not _MISSING:
            values[name] = value
    return cls(**values)


_MISSING = object()
