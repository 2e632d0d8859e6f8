"""Who is asking, CSRF, and the access markers every route carries.

Each route declares exactly one access marker (`public`, `signed_in`, `mentor_only`,
`admin_only`); the route × role matrix test reads them from `app.routes`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Request

from app.auth.credentials import Credentials
from app.auth.models import User
from app.auth.service import Identity, resolve_api_token, resolve_session
from app.auth.tokens import csrf_for, digest, new_secret, same_token
from app.config import get_settings
from app.db import DbSession
from app.errors import Forbidden, NotAuthenticated
from app.kit.net import client_ip as client_ip  # re-exported: routes take the address from here

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class UserView:
    """What pages show about the signed-in user."""

    id: uuid.UUID
    email: str
    display_name: str
    roles: tuple[str, ...]
    time_factor: Decimal
    is_admin: bool
    is_mentor: bool
    theme: str | None = None

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            user.id,
            user.email,
            user.display_name,
            tuple(user.roles),
            user.time_factor,
            user.is_admin,
            user.is_mentor,
            user.theme,
        )


async def load_identity(request: Request, session: DbSession) -> Identity | None:
    """Resolve the session cookie or bearer token once per request; set the CSRF token."""
    if hasattr(request.state, "identity"):
        return request.state.identity  # type: ignore[no-any-return]
    settings = get_settings()
    identity: Identity | None = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        identity = await resolve_api_token(session, auth[7:].strip())
        if identity is None:
            raise NotAuthenticated("The API token is invalid, expired or revoked.")
    elif raw := request.cookies.get(settings.session_cookie):
        identity = await resolve_session(session, raw)
        if identity is not None:
            request.state.csrf_token = csrf_for("s", raw)
    if identity is None and not auth:
        anon = request.cookies.get(settings.csrf_cookie)
        if not anon:
            anon = new_secret()
            request.state.new_csrf_cookie = anon
        request.state.csrf_token = csrf_for("a", anon)
    request.state.identity = identity
    # Templates get a snapshot: after a rollback (an error page) ORM objects are expired.
    request.state.user = UserView.of(identity.user) if identity else None
    return identity


IdentityDep = Annotated[Identity | None, Depends(load_identity)]


async def csrf_protect(request: Request, identity: IdentityDep) -> None:
    """Unsafe methods need the CSRF token (form field or header) unless authenticated by token."""
    if request.method in SAFE_METHODS or (identity is not None and identity.via_token):
        return
    sent = request.headers.get("x-csrftoken", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not same_token(sent, getattr(request.state, "csrf_token", "")):
        raise Forbidden(
            "The form expired or was sent from another site. Reload the page and try again.", reason="csrf"
        )


async def public(_: Annotated[None, Depends(csrf_protect)]) -> None:
    """Access marker: anyone."""


async def probe() -> None:
    """Access marker: anyone, and nothing about the caller is looked up (health probes never touch
    the database, whatever cookie or token the request carries)."""


async def signed_in(
    request: Request, identity: IdentityDep, _: Annotated[None, Depends(csrf_protect)]
) -> User:
    """Access marker: any signed-in user. A token needs the write scope for unsafe methods."""
    if identity is None:
        raise NotAuthenticated("Please sign in.")
    if identity.via_token and request.method not in SAFE_METHODS and "write" not in identity.scopes:
        raise Forbidden("This API token is read-only: it needs the write scope.", reason="scope")
    return identity.user


async def mentor_only(user: Annotated[User, Depends(signed_in)]) -> User:
    """Access marker: mentors and admins."""
    if not user.is_mentor:
        raise Forbidden("This page is for mentors.")
    return user


async def admin_only(user: Annotated[User, Depends(signed_in)], identity: IdentityDep) -> User:
    """Access marker: admins (by API token: only with the admin scope)."""
    if not user.is_admin:
        raise Forbidden("This page is for admins.")
    if identity is not None and identity.via_token and "admin" not in identity.scopes:
        raise Forbidden("Admin routes need an API token with the admin scope.", reason="scope")
    if get_settings().require_admin_mfa and not user.mfa_enabled:
        raise Forbidden(
            "Admins must turn on two-factor sign-in first (Account → Two-factor sign-in, /account/mfa).",
            reason="mfa_required",
        )
    return user


async def session_only(identity: IdentityDep) -> None:
    """For what a token must never do (mint tokens, change the password): a browser session only."""
    if identity is not None and identity.via_token:
        raise Forbidden("This needs a signed-in browser session, not an API token.", reason="session_only")


async def signed_in_lean(request: Request) -> Credentials:
    """Access marker: any signed-in user, for hot paths (autosave) that verify the session or
    token inside their own single SQL statement. Here only: credentials present, CSRF for cookies."""
    settings = get_settings()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and auth[7:].strip():
        return Credentials(session_hash=None, token_hash=digest(auth[7:].strip()))
    raw = request.cookies.get(settings.session_cookie)
    if not raw:
        raise NotAuthenticated("Please sign in.")
    request.state.csrf_token = csrf_for("s", raw)
    sent = request.headers.get("x-csrftoken", "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if request.method not in SAFE_METHODS and not same_token(sent, request.state.csrf_token):
        raise Forbidden(
            "The form expired or was sent from another site. Reload the page and try again.", reason="csrf"
        )
    return Credentials(session_hash=digest(raw), token_hash=None)


CurrentUser = Annotated[User, Depends(signed_in)]
CurrentMentor = Annotated[User, Depends(mentor_only)]
CurrentAdmin = Annotated[User, Depends(admin_only)]
MaybeIdentity = IdentityDep
ACCESS_MARKERS = {
    public: "anonymous",
    probe: "anonymous",
    signed_in: "candidate",
    signed_in_lean: "candidate",
    mentor_only: "mentor",
    admin_only: "admin",
}
