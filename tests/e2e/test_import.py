"""Browser: upload a GIFT file → the preview shows errors with line numbers → fix → import → questions visible."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.e2e.conftest import axe_violations, screenshot

pytestmark = pytest.mark.e2e
BROKEN = b"""$CATEGORY: $course$/top/Optimisation/Learning rates

::Step size::What happens when the learning rate is far too large?{
=The loss diverges ~It converges faster
}

::Momentum::Momentum accumulates past {=gradients ~losses

::Pi::What is $\\pi$ to two decimals?{#three}
"""
FIXED = BROKEN.replace(b"{=gradients ~losses", b"{=gradients ~losses}").replace(b"{#three}", b"{#3.14:0.005}")


@pytest.fixture
def admin(live_server: str) -> tuple[str, str]:
    email = f"importer-{uuid.uuid4().hex[:8]}@example.org"
    password = "an import admin passphrase"
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["MLMOCK_E2E_DATABASE_URL"],
        "MLMOCK_ENV": "test",
        "MLMOCK_ARGON2_MEMORY_KIB": "1024",
        "MLMOCK_ARGON2_TIME_COST": "1",
    }
    args = ["create-admin", "--email", email, "--name", "Importer", "--password", password]
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    return email, password


def _choose(page, content: bytes) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("#file", files=[{"name": "bank.gift", "mimeType": "text/plain", "buffer": content}])


def test_upload_preview_fix_import(page, admin: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    email, password = admin
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")

    export_url = "/api/v1/exports?format=json&topic=optimisation/learning-rates"
    # what other tests on this server put in that topic before (an unknown topic is an error)
    before = {q["title"] for q in page.request.get(export_url).json().get("questions", [])}
    page.goto("/admin/imports")
    assert axe_violations(page) == []
    _choose(page, BROKEN)
    page.click("button[value=preview]")
    page.wait_for_selector(".import-problems")
    problems = page.inner_text(".import-problems")
    assert "line 7: malformed braces" in problems
    assert "line 9: numeric answer 'three' is not a number" in problems
    assert axe_violations(page) == []
    screenshot(page, "import-preview-errors")

    page.click("button[value=import]")  # refused as a whole while problems remain
    page.wait_for_selector(".import-problems")

    _choose(page, FIXED)
    page.click("button[value=preview]")
    page.wait_for_selector("text=Ready: 3 to create")
    page.click("button[value=import]")
    page.wait_for_selector("text=Imported bank.gift: 3 created")
    table = page.inner_text(".import-rows")
    for title in ("Step size", "Momentum", "Pi"):
        assert title in table
    assert axe_violations(page) == []
    screenshot(page, "import-done")

    exported = [q["title"] for q in page.request.get(export_url).json()["questions"]]
    assert sorted(t for t in exported if t not in before) == ["Momentum", "Pi", "Step size"]
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
