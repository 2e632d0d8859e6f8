"""The vendored front-end files exist (built from package-lock) and are served."""

from __future__ import annotations

import json

import pytest

from app.web.assets import MANIFEST, SOURCES, VENDOR

pytestmark = pytest.mark.anyio


def test_vendored_files_exist() -> None:
    assert MANIFEST.exists(), "run `make assets` (npm ci + python -m app.web.assets)"
    manifest = json.loads(MANIFEST.read_text())
    assert set(manifest) == set(SOURCES)
    for hashed in manifest.values():
        assert (VENDOR / hashed).stat().st_size > 1000


async def test_pages_reference_served_assets(client) -> None:
    page = await client.get("/login")
    manifest = json.loads(MANIFEST.read_text())
    for name in ("htmx.js", "pico.css"):
        url = f"/static/vendor/{manifest[name]}"
        assert url in page.text
        r = await client.get(url)
        assert r.status_code == 200 and len(r.content) > 1000
    assert (await client.get("/static/vendor/noto-sans-math.woff2")).status_code == 200
