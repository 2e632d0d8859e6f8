"""Read models (pydantic models, dataclasses) filled from a result row or an ORM object."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


def field_names(cls: type[Any]) -> list[str]:
    """The fields of a pydantic model or a dataclass, in order."""
    if issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return [f.name for f in dataclasses.fields(cls)]


def read_model(cls: type[T], source: object, /, **computed: Any) -> T:
    """`cls` with each field the caller does not compute taken from the source's attribute of the
    same name (a row's column, an ORM column). A field the source lacks keeps its default; a
    required one missing is an error, as it would be in a constructor call."""
    values = {
        name: value
        for name in field_names(cls)
        if name not in computed and (value := getattr(source, name, _MISSING)) is not _MISSING
    }
    return cls(**values, **computed)


_MISSING = object()
