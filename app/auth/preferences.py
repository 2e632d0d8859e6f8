"""Per-account preferences the pages read on every request (today: the colour scheme)."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User

ThemeChoice = Literal["light", "dark", "system"]


async def set_theme(session: AsyncSession, user: User, theme: ThemeChoice) -> None:
    """Remember the colour scheme on the account; "system" forgets the choice."""
    user.theme = None if theme == "system" else theme
    await session.flush()
