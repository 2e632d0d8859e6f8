"""Browser tests: a real uvicorn server on a free port, Debian's chromium through Playwright,
axe-core (from npm) injected on every page visited."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import ROOT
from app.web.assets import asset_url

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(make_database) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """uvicorn serving the app against its own (committed) database."""
    url = make_database("mlmock_e2e")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MLMOCK_ENV": "test",
        "MLMOCK_COOKIE_SECURE": "false",
        "MLMOCK_ARGON2_MEMORY_KIB": "1024",
        "MLMOCK_ARGON2_TIME_COST": "1",
        "MLMOCK_LOG_LEVEL": "WARNING",
    }
    log = open(ARTIFACTS.mkdir(exist_ok=True) or ARTIFACTS / "e2e-server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("uvicorn exited: see test-artifacts/e2e-server.log")
        time.sleep(0.2)
    os.environ["MLMOCK_E2E_DATABASE_URL"] = url
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed: run `make test` (it installs it) or apt-get install chromium"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.csp_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def axe_violations(page) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Serious and critical axe-core violations on the current page (axe served same-origin: the CSP holds)."""
    page.add_script_tag(url=asset_url("axe.js"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
