"""argon2id hashing (pwdlib) off the event loop, and the password policy."""

from __future__ import annotations

from functools import lru_cache

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import get_settings

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache
def hasher() -> PasswordHash:
    s = get_settings()
    return PasswordHash(
        (Argon2Hasher(memory_cost=s.argon2_memory_kib, time_cost=s.argon2_time_cost, parallelism=1),)
    )


@lru_cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of real breaches, lower-case.

    From zxcvbn (MIT licence, maintained on PyPI): its `passwords` frequency list, ranked from
    Xato's corpus of 10 million passwords from public breaches. Loaded on first use (~2 MB).
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # local: a large module, only on demand

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


# Context-specific words (NIST 800-63B 5.1.1.2): the service's own name.
_SERVICE_WORDS = ("mlmock",)


def password_problem(password: str, *, email: str = "") -> str | None:
    """Return why a new password is refused, or None (NIST 800-63B: length + blocklist)."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    folded = password.casefold()
    own = {email.casefold(), email.casefold().partition("@")[0]} - {""}
    if folded in common_passwords() or folded in own or any(w in folded for w in _SERVICE_WORDS):
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
