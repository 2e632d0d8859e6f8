"""Test data through the same services the app uses."""

from __future__ import annotations

import itertools

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import service
from app.auth.models import User

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


class UserFactory:
    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self.maker = maker

    async def create(
        self,
        *,
        roles: list[str] | None = None,
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
    ) -> tuple[User, str]:
        n = next(_seq)
        async with self.maker() as session:
            user = await service.create_user(
                session,
                email=email or f"user{n}@example.org",
                display_name=name or f"User {n}",
                password=password,
                roles=roles or ["candidate"],
            )
            await session.commit()
        return user, password
