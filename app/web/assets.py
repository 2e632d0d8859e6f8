"""Copy the npm packages we serve into static/vendor/ with content-hashed names.

`python -m app.web.assets` runs after `npm ci`. The manifest maps logical names to the
hashed files; templates call `asset_url(name)`. static/vendor/ is never committed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import lru_cache

from app.config import ROOT
from app.resources import data_path

# build() runs in a checkout (after `npm ci`, before `pip wheel .`, which ships static/vendor/).
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"

# logical name → file inside node_modules
SOURCES = {
    "htmx.js": "htmx.org/dist/htmx.min.js",
    "pico.css": "@picocss/pico/css/pico.min.css",
    "noto-sans-math.woff2": "@fontsource/noto-sans-math/files/noto-sans-math-latin-400-normal.woff2",
    "axe.js": "axe-core/axe.min.js",
}


class AssetsMissing(RuntimeError):
    pass


def build() -> dict[str, str]:
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    manifest: dict[str, str] = {}
    for name, rel in SOURCES.items():
        src = NODE_MODULES / rel
        if not src.exists():
            raise AssetsMissing(f"{src} is missing: run `npm ci` first")
        digest = hashlib.sha256(src.read_bytes()).hexdigest()[:12]
        stem, _, ext = name.partition(".")
        target = f"{stem}.{digest}.{ext}"
        shutil.copyfile(src, VENDOR / target)
        manifest[name] = target
        if name.endswith(".woff2"):
            shutil.copyfile(src, VENDOR / name)  # stable name for url() in our own CSS
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest


@lru_cache
def manifest() -> dict[str, str]:
    path = data_path("static", "vendor", "manifest.json")
    if not path.exists():
        raise AssetsMissing(f"{path} is missing: run `make assets` (before building the wheel)")
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def asset_url(name: str) -> str:
    return f"/static/vendor/{manifest()[name]}"


if __name__ == "__main__":
    for logical, hashed in build().items():
        print(f"{logical} -> static/vendor/{hashed}")
