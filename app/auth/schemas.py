"""Forms and API models for accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


# The sign-in forms as posted (FastAPI form models: `Annotated[LoginForm, Form()]`). Only lengths are
# checked here, a longer value being a malformed request (422 like any other); what a person is told
# about (a wrong password or code) is the service's answer, shown in the re-rendered form.
class LoginForm(BaseModel):
    email: str = Field("", max_length=254)
    password: str = Field("", max_length=1024)
    next: str = Field("/", max_length=2000)


class CodeForm(BaseModel):
    """The second factor's step after the password (a TOTP or a recovery code)."""

    code: str = Field("", max_length=64)
    next: str = Field("/", max_length=2000)


class PasswordChangeForm(BaseModel):
    current_password: str = Field("", max_length=1024)
    new_password: str = Field("", max_length=1024)


class RegisterForm(BaseModel):
    email: Email
    display_name: Name
    password: Annotated[str, StringConstraints(max_length=1024)]


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    roles: list[str]
    is_active: bool
    time_factor: Decimal
    created_at: datetime


Scope = Literal["read", "write", "admin"]


class TokenCreate(BaseModel):
    name: Name
    # read = safe methods; write = unsafe methods on your own data; admin = admin routes (admins only)
    scopes: list[Scope] = Field(default_factory=lambda: list[Scope](["read"]), max_length=3)
    expires_in_days: int = Field(default=90, ge=1, le=365)


class TokenCreated(BaseModel):
    id: uuid.UUID
    name: str
    token: str
    scopes: list[str]
    expires_at: datetime


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    scopes: list[str]
    expires_at: datetime
