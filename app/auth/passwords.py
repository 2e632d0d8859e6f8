"""argon2id hashing (pwdlib) off the event loop, and the password policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import get_settings

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON = Path(__file__).with_name("common_passwords.txt")


@lru_cache
def hasher() -> PasswordHash:
    s = get_settings()
    return PasswordHash(
        (Argon2Hasher(memory_cost=s.argon2_memory_kib, time_cost=s.argon2_time_cost, parallelism=1),)
    )


@lru_cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> str | None:
    """Return why a new password is refused, or None (NIST 800-63B: length + blocklist)."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    folded = password.casefold()
    if folded in common_passwords() or (email and folded == email.casefold()):
        return "This password is too common; choose another."
    return None


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(hasher().hash, password)


async def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(valid, new hash when the parameters changed)."""
    return await anyio.to_thread.run_sync(hasher().verify_and_update, password, password_hash)


# Verified against when the account does not exist, so timing does not reveal it.
_DUMMY: list[str] = []


async def dummy_verify(password: str) -> None:
    if not _DUMMY:
        _DUMMY.append(await hash_password("dummy-password-for-timing"))
    await verify_password(password, _DUMMY[0])
