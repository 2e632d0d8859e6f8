"""`mlmock seed` twice in a row: the second run creates nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # mlmock seed in a subprocess, twice


def test_mlmock_seed_is_idempotent(make_database) -> None:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_seedcli")
    env = {**os.environ, "DATABASE_URL": url, "MLMOCK_ENV": "test"}

    def seed() -> str:
        r = subprocess.run(
            [sys.executable, "-m", "app.cli", "seed"], capture_output=True, text=True, env=env, timeout=300
        )
        assert r.returncode == 0, r.stderr
        return r.stdout

    first, second = seed(), seed()
    created = int(re.search(r"(\d+) questions created", first).group(1))  # type: ignore[union-attr]
    assert created >= 120
    assert "0 questions created, 0 new versions" in second
    assert f"{created} unchanged" in second
