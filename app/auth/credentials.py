"""What a client presented to sign in, as hashes: the lean paths (autosave) hand these to their
own single SQL statement, which checks them (app/auth/validity.py has the rule)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    """Hashes of what the client presented; the endpoint's own SQL statement checks them."""

    session_hash: bytes | None
    token_hash: bytes | None
