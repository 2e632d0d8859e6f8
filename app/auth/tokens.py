"""Opaque secrets: session ids, API tokens and CSRF tokens. Only hashes are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.config import get_settings

API_TOKEN_PREFIX = "mlm_"  # noqa: S105 - a public prefix, not a secret


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def csrf_for(kind: str, secret: str) -> str:
    """The CSRF token bound to a session ("s") or an anonymous csrf cookie ("a")."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"{kind}:{secret}".encode(), hashlib.sha256).hexdigest()


def same_token(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
