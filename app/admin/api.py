"""The admin JSON API (/api/v1/admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.auth import user_admin
from app.auth.dependencies import admin_only
from app.auth.schemas import UserRead
from app.db import DbSession, SessionRoute

api = APIRouter(route_class=SessionRoute, prefix="/api/v1/admin", dependencies=[Depends(admin_only)])


@api.get("/users", response_model=list[UserRead])
async def api_users(session: DbSession, q: str = "") -> list[UserRead]:
    return [UserRead.model_validate(u) for u in await user_admin.list_users(session, query=q[:100])]
