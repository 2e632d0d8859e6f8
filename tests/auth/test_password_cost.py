"""The tests hash with cheap argon2 parameters (tests/conftest.py sets them); production keeps strong ones."""

from __future__ import annotations

import pytest

from app.config import Settings

STRONG = {"secret_key": "x" * 40, "database_url": "postgresql://db/mlmock", "cookie_secure": True}


def test_production_hashes_with_at_least_the_owasp_argon2_parameters(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # the run's cheap test parameters come from the environment; without them the defaults apply
    monkeypatch.delenv("MLMOCK_ARGON2_MEMORY_KIB")
    monkeypatch.delenv("MLMOCK_ARGON2_TIME_COST")
    production = Settings(env="production", **STRONG)  # type: ignore[arg-type]
    assert production.argon2_memory_kib >= 19_456 and production.argon2_time_cost >= 2
    with pytest.raises(ValueError, match="OWASP"):
        Settings(env="production", argon2_memory_kib=1024, argon2_time_cost=1, **STRONG)  # type: ignore[arg-type]
