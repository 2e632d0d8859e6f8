"""Browser tests: a real uvicorn server on a free port, Debian's chromium through Playwright,
axe-core (from npm) injected on every page visited."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from app.config import ROOT
from app.web.assets import asset_url
from tests.live import free_port

ARTIFACTS = ROOT / "test-artifacts"
T = TypeVar("T")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@contextmanager
def uvicorn_server(database_url: str, log_name: str) -> Iterator[str]:
    """uvicorn serving the app on a free port against `database_url`; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MLMOCK_ENV": "test",
        "MLMOCK_COOKIE_SECURE": "false",
        "MLMOCK_ARGON2_MEMORY_KIB": "1024",
        "MLMOCK_ARGON2_TIME_COST": "1",
        "MLMOCK_LOG_LEVEL": "WARNING",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / log_name, "w") as log:
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
        try:
            for _ in range(100):
                try:
                    if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None:
                    raise RuntimeError(f"uvicorn exited: see test-artifacts/{log_name}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def in_thread(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run async setup on its own loop in a thread (sync Playwright owns this thread's loop)."""
    out: dict[str, T] = {}
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro_fn())  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return out["value"]


@pytest.fixture(scope="session")
def live_server(make_database) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """uvicorn serving the app against its own (committed) database, shared by browser tests."""
    url = make_database("mlmock_e2e")
    with uvicorn_server(url, "e2e-server.log") as base:
        os.environ["MLMOCK_E2E_DATABASE_URL"] = url
        yield base


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
