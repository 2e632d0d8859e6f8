"""Personal access tokens: create (the raw value shown once), revoke, list. Flush, never commit.

Revoking all of a user's tokens (a password change, a disable) is `service.revoke_all_api_tokens`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import TOKEN_SCOPES, ApiToken, User
from app.auth.service import audit
from app.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from app.errors import Invalid, NotFound
from app.kit import clock

TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


async def create_api_token(
    session: AsyncSession,
    user: User,
    *,
    name: str,
    ip: str | None,
    scopes: list[str] | None = None,
    expires_in_days: int = TOKEN_DEFAULT_DAYS,
) -> tuple[ApiToken, str]:
    """Create a personal access token; the raw value is returned once and never stored."""
    name = name.strip()
    fields: dict[str, str] = {}
    if not name or len(name) > 100:
        fields["name"] = "Required, at most 100 characters."
    wanted = set(scopes or ["read"]) | {"read"}  # every token can read
    if not wanted <= set(TOKEN_SCOPES):
        fields["scopes"] = "Choose from read, write and admin."
    elif "admin" in wanted and not user.is_admin:
        fields["scopes"] = "Only admins can create tokens with the admin scope."
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        fields["expires_in_days"] = f"Between 1 and {TOKEN_MAX_DAYS} days."
    if fields:
        raise Invalid(next(iter(fields.values())), fields=fields)
    raw = API_TOKEN_PREFIX + new_secret()
    now = clock.now()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=raw[:10],
        token_hash=digest(raw),
        created_at=now,
        scopes=[s for s in TOKEN_SCOPES if s in wanted],
        expires_at=now + timedelta(days=expires_in_days),
    )
    session.add(token)
    await session.flush()
    detail = {"token": name, "scopes": token.scopes, "days": expires_in_days}
    await _audit_own(session, user, "token_created", ip=ip, detail=detail)
    return token, raw


async def revoke_api_token(session: AsyncSession, user: User, token_id: uuid.UUID, *, ip: str | None) -> None:
    token = await session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        await _audit_own(session, user, "token_revoked", ip=ip, detail={"token": token.name})


async def list_api_tokens(session: AsyncSession, user: User) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    return list((await session.execute(stmt)).scalars())


async def _audit_own(
    session: AsyncSession, user: User, event: str, *, ip: str | None, detail: dict[str, Any]
) -> None:
    """A user acting on their own tokens: actor and subject are the same account."""
    await audit(session, event, actor_id=user.id, subject=str(user.id), ip=ip, detail=detail)
