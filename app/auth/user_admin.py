"""Admins' edits of users (roles, active flag, time factor; each change audited) and the user list.
Flush, never commit."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ROLES, User
from app.auth.service import audit, get_user_by_email, kill_sessions, revoke_all_api_tokens
from app.errors import Conflict, Invalid, NotFound


async def update_user_admin(
    session: AsyncSession,
    admin: User,
    target_id: uuid.UUID,
    *,
    roles: list[str],
    is_active: bool,
    time_factor: Decimal,
    ip: str | None,
) -> User:
    """Admin edit of roles, active flag and time factor, each change audited."""
    user = await session.get(User, target_id)
    if user is None:
        raise NotFound("No such user.")
    roles = [r for r in ROLES if r in roles]
    fields: dict[str, str] = {}
    if not Decimal("1") <= time_factor <= Decimal("4"):
        fields["time_factor"] = "Between 1.00 and 4.00."
    if user.id == admin.id and ("admin" not in roles or not is_active):
        fields["roles"] = "You cannot remove your own admin role or disable yourself."
    if fields:
        raise Invalid("Please correct the highlighted fields.", fields=fields)
    # (action, detail) per change, audited in this order
    changes: list[tuple[str, dict[str, Any] | None]] = []
    if sorted(roles) != sorted(user.roles):
        changes.append(("roles_changed", {"from": sorted(user.roles), "to": sorted(roles)}))
        user.roles = roles
    disabling = is_active != user.is_active and not is_active
    if is_active != user.is_active:
        changes.append(("user_disabled" if not is_active else "user_enabled", None))
        user.is_active = is_active
    if time_factor != user.time_factor:
        changes.append(("time_factor_changed", {"from": str(user.time_factor), "to": str(time_factor)}))
        user.time_factor = time_factor
    for action, detail in changes:
        await audit(session, action, actor_id=admin.id, subject=str(user.id), ip=ip, detail=detail)
    if disabling:
        await kill_sessions(session, user.id)
        await revoke_all_api_tokens(session, user.id, actor_id=admin.id, ip=ip, why="user_disabled")
    await session.flush()
    return user


async def list_users(session: AsyncSession, *, query: str = "", limit: int = 200) -> list[User]:
    stmt = select(User).order_by(User.created_at, User.id).limit(limit)
    if query:
        # % and _ are what the admin typed, not wildcards
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            func.lower(User.email).like(like, escape="\\")
            | func.lower(User.display_name).like(like, escape="\\")
        )
    return list((await session.execute(stmt)).scalars())


async def ensure_unique_admin_email(session: AsyncSession, email: str) -> None:
    if await get_user_by_email(session, email) is not None:
        raise Conflict("A user with this email exists; grant the role on the users page instead.")
