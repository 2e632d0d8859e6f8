"""`python -m bench live` runs end to end (tiny parameters), so the benchmark cannot rot unnoticed.

Outcomes only: every run reports its figures and every stored save reached its mentor's stream.
How fast is for the benchmark itself on a quiet machine, never for a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT

pytestmark = pytest.mark.slow


def test_bench_live_runs_end_to_end(pg_server_url: str, tmp_path: Path) -> None:
    output = tmp_path / "live.json"
    args = ["--sessions", "4", "--interval", "0.5", "--warmup", "0.5", "--seconds", "1.5"]
    args += ["--drain", "60", "--clients", "2", "--output", str(output)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "live", *args],
        cwd=ROOT,
        env={**os.environ, "BENCH_DATABASE_URL": pg_server_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(output.read_text())
    runs = report["runs"]
    assert {name.split(",")[0] for name in runs} == {"baseline", "mlmock"}
    assert {r["processes"] for r in runs.values()} == {1, 2}
    for name, r in runs.items():
        assert r["stored"] > 0, name
        assert r["lost"] == 0 and r["delivered"] == r["stored"], name
        assert r["delivery_p99_ms"] is not None and r["save_statuses"].get("200") == r["stored"], name
    assert "p99" in done.stdout
